package org.instructgpt.model.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A causal softmax row padded to whole vectors: the row's softmax, zeros in the padding, nothing after it changed. */
class ArrayKernelsTest {
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
