package org.instructgpt.model.cpu;

import org.instructgpt.model.cpu.HeapGemm.Operand;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The top block's projection with queries at the wanted rows only, against the whole product over every row (the path
 * every other block takes): the wanted rows' queries, every row's keys and values, and the weights' and bias's
 * gradients are the same bits (the skipped terms are exact zeros); the input's gradient, summed in two chains instead
 * of one, agrees to float rounding.
 */
class WantedRowsQkvTest {
    @BeforeAll
    static void vectorApiPresent() {
        Assumptions.assumeTrue(VectorSupport.available(), "needs --add-modules jdk.incubator.vector");
    }

    @ParameterizedTest
    @CsvSource({"3, 19, 16, 64", "4, 128, 32, 128", "2, 300, 48, 192", "5, 7, 8, 24"})
    void equalsTheProductOverEveryRow(int batch, int time, int c, int inner) {
        SplittableRandom r = new SplittableRandom(batch * 1000L + time);
        int n = batch * time;
        int ld = 3 * c;
        int[] rows = new int[batch];
        for (int b = 0; b < batch; b++) {
            rows[b] = b * time + r.nextInt(time);
        }
        int wAt = 7;
        int biasAt = wAt + c * ld + 3;
        float[] p = random(r, biasAt + ld + 5);
        float[] h1 = random(r, n * c);
        float[] scratch = new float[n * inner];

        float[] full = new float[n * ld];
        HeapGemm.gemm(Operand.rows(h1, 0, c), Operand.rows(p, wAt, ld), full, 0, ld, n, ld, c, p, biasAt, false);
        float[] wanted = new float[n * ld];
        WantedRowsQkv.forward(h1, n, p, wAt, biasAt, c, rows, wanted, scratch);
        for (int i = 0; i < n; i++) {
            int from = isWanted(rows, i) ? 0 : c;
            assertArrayEquals(Arrays.copyOfRange(full, i * ld + from, (i + 1) * ld),
                    Arrays.copyOfRange(wanted, i * ld + from, (i + 1) * ld), "row " + i);
        }

        float[] dqkv = random(r, n * ld);
        for (int i = 0; i < n; i++) {
            if (!isWanted(rows, i)) {
                Arrays.fill(dqkv, i * ld, i * ld + c, 0f);
            }
        }
        float[] gFull = random(r, p.length);
        float[] gWanted = gFull.clone();
        float[] dxFull = new float[n * c];
        HeapGemm.gemm(Operand.transposed(h1, 0, c), Operand.rows(dqkv, 0, ld), gFull, wAt, ld, c, ld, n, null, 0, true);
        for (int i = 0; i < n; i++) {
            ArrayKernels.add(gFull, biasAt, dqkv, i * ld, ld);
        }
        HeapGemm.gemm(Operand.rows(dqkv, 0, ld), Operand.transposed(p, wAt, ld), dxFull, 0, c, n, c, ld, null, 0, false);
        float[] dx = new float[n * c];
        WantedRowsQkv.backward(h1, dqkv, n, p, gWanted, wAt, biasAt, c, rows, dx, scratch);
        assertArrayEquals(gFull, gWanted, "the weights' and bias's gradients");
        double scale = 0;
        for (float v : dxFull) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < dx.length; i++) {
            assertEquals(dxFull[i], dx[i], 1e-5 * scale, "dx " + i);
        }
    }

    private static boolean isWanted(int[] rows, int i) {
        return Arrays.binarySearch(rows, i) >= 0;
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }
}
