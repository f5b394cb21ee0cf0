package org.instructgpt.model.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A causal softmax row padded to whole vectors: the row's softmax, zeros in the padding, nothing after it changed; a
 * head's causal softmax and its backward pass by pass across rows: the bits of row by row.
 */
class ArrayKernelsTest {
    @Test
    void aHeadsSoftmaxPassByPassIsTheBitsOfRowByRow() {
        Random r = new Random(5);
        for (int t : new int[]{1, 7, 16, 33, 128}) {
            float[] bias = new float[t];
            for (int k = 0; k < t; k++) {
                bias[k] = r.nextInt(5) == 0 ? Float.NEGATIVE_INFINITY : 0f;
            }
            float[] scores = new float[2 + t * t];
            float[] grad = new float[3 + t * t];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = (float) r.nextGaussian() * 4;
            }
            for (int i = 0; i < grad.length; i++) {
                grad[i] = (float) r.nextGaussian();
            }
            float[] rowByRow = scores.clone();
            for (int q = 0; q < t; q++) {
                ArrayKernels.maskedSoftmax(rowByRow, 2 + q * t, q + 1, t, bias, 0, q, 0.3f);
                java.util.Arrays.fill(rowByRow, 2 + q * t + q + 1, 2 + (q + 1) * t, 0f);
            }
            float[] passes = scores.clone();
            ArrayKernels.causalSoftmax(passes, 2, t, bias, 0.3f, new float[t]);
            assertArrayEquals(rowByRow, passes, 0f, "softmax, t = " + t);

            float[] dRows = grad.clone();
            for (int q = 0; q < t; q++) {
                ArrayKernels.softmaxBackward(rowByRow, 2 + q * t, dRows, 3 + q * t, q + 1, 0.3f);
                java.util.Arrays.fill(dRows, 3 + q * t + q + 1, 3 + (q + 1) * t, 0f);
            }
            float[] dPasses = grad.clone();
            ArrayKernels.causalSoftmaxBackward(rowByRow, 2, dPasses, 3, t, 0.3f, new float[t]);
            assertArrayEquals(dRows, dPasses, 0f, "backward, t = " + t);
        }
    }

    @Test
    void aPaddedRowIsTheSoftmaxOfItsKeysAndZerosAfter() {
        Random r = new Random(3);
        int room = 48;
        for (int len = 1; len <= room; len++) {
            float[] s = new float[room + 1];
            float[] bias = new float[room];
            for (int k = 0; k < s.length; k++) {
                s[k] = (float) r.nextGaussian() * 3;
            }
            for (int k = 0; k < len - 1; k++) {
                bias[k] = r.nextInt(4) == 0 ? Float.NEGATIVE_INFINITY : 0f;
            }
            float[] in = s.clone();
            int self = len - 1;
            ArrayKernels.maskedSoftmax(s, 0, len, room, bias, 0, self, 0.5f);
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < len; k++) {
                if (bias[k] == 0f || k == self) {
                    max = Math.max(max, in[k] * 0.5);
                }
            }
            double sum = 0;
            double[] want = new double[len];
            for (int k = 0; k < len; k++) {
                want[k] = bias[k] == 0f || k == self ? Math.exp(in[k] * 0.5 - max) : 0;
                sum += want[k];
            }
            for (int k = 0; k < len; k++) {
                assertEquals(want[k] / sum, s[k], 1e-6, "length " + len + ", key " + k);
            }
            // Padded to the next whole vector within the room: 0 there, untouched after.
            int padded = Math.min(room, (len + ArrayKernels.lanes() - 1) / ArrayKernels.lanes() * ArrayKernels.lanes());
            for (int k = len; k < room; k++) {
                assertEquals(k < padded ? 0f : in[k], s[k], "length " + len + ", padding " + k);
            }
            assertEquals(in[room], s[room], "length " + len + ": past the room");
        }
    }
}
