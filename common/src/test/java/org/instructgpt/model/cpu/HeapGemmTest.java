package org.instructgpt.model.cpu;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The array gemm against a plain double-precision triple loop: plain, transposed and strided operands, bias, accumulate. */
class HeapGemmTest {
    @BeforeAll
    static void vectorApiPresent() {
        Assumptions.assumeTrue(VectorSupport.available(), "needs --add-modules jdk.incubator.vector");
    }

    @ParameterizedTest
    @CsvSource({"1,1,1", "7,5,3", "8,32,16", "19,77,13", "64,96,40", "130,64,128", "9,33,600", "20,160,300", "128,16,128",
            "24,48,600", "13,20,300"})
    void matchesTheTripleLoop(int m, int n, int k) {
        SplittableRandom r = new SplittableRandom(m * 1000L + n * 10L + k);
        // a is stored transposed inside a wider buffer (leading dimension m + 3, offset 5), b with ldb n + 2 from 4.
        int lda = m + 3;
        float[] a = random(r, 5 + k * lda);
        int ldb = n + 2;
        float[] b = random(r, 4 + k * ldb);
        float[] bias = random(r, n + 1);
        int ldc = n + 1;
        float[] c = random(r, 2 + m * ldc);
        float[] before = c.clone();
        HeapGemm.Operand at = HeapGemm.Operand.transposed(a, 5, lda);

        HeapGemm.gemm(at, HeapGemm.Operand.rows(b, 4, ldb), c, 2, ldc, m, n, k, bias, 1, false);
        check(at, b, 4, ldb, c, before, 2, ldc, m, n, k, bias, 1, false);

        float[] acc = before.clone();
        HeapGemm.gemm(at, HeapGemm.Operand.rows(b, 4, ldb), acc, 2, ldc, m, n, k, null, 0, true);
        check(at, b, 4, ldb, acc, before, 2, ldc, m, n, k, null, 0, true);

        // b read transposed: bt holds b^T [n, k], so the same product again.
        float[] bt = new float[n * k];
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                bt[j * k + p] = b[4 + p * ldb + j];
            }
        }
        acc = before.clone();
        HeapGemm.gemm(at, HeapGemm.Operand.transposed(bt, 0, k), acc, 2, ldc, m, n, k, null, 0, true);
        check(at, b, 4, ldb, acc, before, 2, ldc, m, n, k, null, 0, true);

        // a with neither stride 1 (packed into tiles): a's element (i, p) at 3 + 2 * (i * k + p) of a sparse copy.
        float[] sparse = new float[3 + 2 * m * k];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                sparse[3 + 2 * (i * k + p)] = a[5 + i + p * lda];
            }
        }
        acc = before.clone();
        HeapGemm.gemm(new HeapGemm.Operand(sparse, 3, 2 * k, 2), HeapGemm.Operand.rows(b, 4, ldb), acc, 2, ldc, m, n,
                k, bias, 1, false);
        check(at, b, 4, ldb, acc, before, 2, ldc, m, n, k, bias, 1, false);

        // Plain rows through the packed-weight entry point.
        float[] rowsA = random(r, m * k);
        float[] w = random(r, k * n);
        float[] out = new float[m * n];
        HeapGemm.multiply(rowsA, m, HeapGemm.Packed.of(w, k, n), bias, out);
        check(HeapGemm.Operand.rows(rowsA, 0, k), w, 0, n, out, new float[m * n], 0, n, m, n, k, bias, 0, false);
    }

    /**
     * The class's promise: every output is the FMA chain over k in index order from its start, whatever tile height
     * (12, 8, 4, 1), packing or k block its row and column fall in, so bits do not depend on m or n.
     */
    @ParameterizedTest
    @CsvSource({"1,32,7", "4,64,300", "12,96,40", "16,32,513", "27,160,260", "29,64,9", "124,128,33", "250,40,300"})
    void everyOutputIsTheFmaChainInOrder(int m, int n, int k) {
        SplittableRandom r = new SplittableRandom(m * 7919L + n * 31L + k);
        float[] a = random(r, m * k);
        float[] b = random(r, k * n);
        float[] bias = random(r, n);
        float[] c = new float[m * n];
        HeapGemm.gemm(HeapGemm.Operand.rows(a, 0, k), HeapGemm.Operand.rows(b, 0, n), c, 0, n, m, n, k, bias, 0, false);
        float[] ct = new float[m * n];
        float[] at = new float[k * m];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                at[p * m + i] = a[i * k + p];
            }
        }
        HeapGemm.gemm(HeapGemm.Operand.transposed(at, 0, m), HeapGemm.Operand.rows(b, 0, n), ct, 0, n, m, n, k, bias, 0,
                false);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float want = bias[j];
                for (int p = 0; p < k; p++) {
                    want = Math.fma(a[i * k + p], b[p * n + j], want);
                }
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(c[i * n + j]), "c[" + i + "," + j + "]");
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(ct[i * n + j]), "transposed a, c[" + i + "," + j + "]");
            }
        }
    }

    private static void check(HeapGemm.Operand a, float[] b, int bOff, int ldb, float[] c, float[] before, int cOff,
                              int ldc, int m, int n, int k, float[] bias, int biasOff, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double want = accumulate ? before[cOff + i * ldc + j] : bias == null ? 0 : bias[biasOff + j];
                for (int p = 0; p < k; p++) {
                    want += (double) a.data()[a.off() + i * a.rowStride() + p * a.colStride()] * b[bOff + p * ldb + j];
                }
                assertEquals(want, c[cOff + i * ldc + j], 1e-5 * Math.max(1, k), "c[" + i + "," + j + "]");
            }
        }
        // Nothing outside the m x n window was written.
        for (int i = 0; i < m; i++) {
            for (int j = n; j < ldc && cOff + i * ldc + j < c.length; j++) {
                assertEquals(before[cOff + i * ldc + j], c[cOff + i * ldc + j], "c outside the window");
            }
        }
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() - 0.5);
        }
        return x;
    }
}
