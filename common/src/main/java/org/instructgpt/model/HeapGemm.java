package org.instructgpt.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * out[m, n] = a[m, k] w[k, n] + bias[n] on Java arrays, register-tiled 4 rows by 2 vectors, the weights packed once. Written for the few-row
 * products of generation (16 rows per step), where libnd4j's sgemm spends most of its time on fixed costs: measured
 * here at 2-3.5x its speed for [16, 256] x [256, 768]-sized products (docs/benchmarks.md). Every output is the
 * fused-multiply-add chain over k in index order, in the vector and the scalar path alike, so the result does not
 * depend on the tiling or the JIT.
 */
final class HeapGemm {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    /**
     * A weight matrix [k, n] repacked once into column panels of 2 vectors' width, each panel's k rows contiguous, so
     * a product streams the weights sequentially (the unpacked rows are n floats apart); columns past the last whole
     * panel stay in the row-major copy.
     */
    record Packed(float[] panels, float[] rowMajor, int k, int n) {
        static Packed of(float[] w, int k, int n) {
            int width = 2 * L;
            int whole = n / width;
            float[] panels = new float[whole * k * width];
            for (int p = 0; p < whole; p++) {
                for (int kk = 0; kk < k; kk++) {
                    System.arraycopy(w, kk * n + p * width, panels, (p * k + kk) * width, width);
                }
            }
            return new Packed(panels, w, k, n);
        }
    }

    private HeapGemm() {
    }

    static void multiply(float[] a, int m, Packed w, float[] bias, float[] out) {
        int k = w.k();
        int n = w.n();
        int width = 2 * L;
        int nVec = n / width * width;
        int m4 = m / 4 * 4;
        for (int j = 0; j < nVec; j += width) {
            int panel = j / width * k * width;
            for (int r = 0; r < m4; r += 4) {
                tile4(a, r, k, w.panels(), panel, width, j, n, bias, out);
            }
            for (int r = m4; r < m; r++) {
                tile1(a, r, k, w.panels(), panel, width, j, n, bias, out);
            }
        }
        scalarColumns(a, m, k, w.rowMajor(), n, nVec, bias, out);
    }

    /** Columns from {@code from} on, one fused-multiply-add chain each. */
    private static void scalarColumns(float[] a, int m, int k, float[] w, int n, int from, float[] bias, float[] out) {
        for (int r = 0; r < m; r++) {
            for (int j = from; j < n; j++) {
                float acc = bias == null ? 0f : bias[j];
                for (int kk = 0; kk < k; kk++) {
                    acc = Math.fma(a[r * k + kk], w[kk * n + j], acc);
                }
                out[r * n + j] = acc;
            }
        }
    }

    private static void tile4(float[] a, int r, int k, float[] w, int wOff, int stride, int j, int n, float[] bias,
                              float[] out) {
        FloatVector b0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, j);
        FloatVector b1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, j + L);
        FloatVector c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
        int a0 = r * k;
        int a1 = a0 + k;
        int a2 = a1 + k;
        int a3 = a2 + k;
        for (int kk = 0; kk < k; kk++) {
            FloatVector w0 = FloatVector.fromArray(F, w, wOff + kk * stride);
            FloatVector w1 = FloatVector.fromArray(F, w, wOff + kk * stride + L);
            FloatVector x = FloatVector.broadcast(F, a[a0 + kk]);
            c00 = x.fma(w0, c00);
            c01 = x.fma(w1, c01);
            x = FloatVector.broadcast(F, a[a1 + kk]);
            c10 = x.fma(w0, c10);
            c11 = x.fma(w1, c11);
            x = FloatVector.broadcast(F, a[a2 + kk]);
            c20 = x.fma(w0, c20);
            c21 = x.fma(w1, c21);
            x = FloatVector.broadcast(F, a[a3 + kk]);
            c30 = x.fma(w0, c30);
            c31 = x.fma(w1, c31);
        }
        c00.intoArray(out, r * n + j);
        c01.intoArray(out, r * n + j + L);
        c10.intoArray(out, (r + 1) * n + j);
        c11.intoArray(out, (r + 1) * n + j + L);
        c20.intoArray(out, (r + 2) * n + j);
        c21.intoArray(out, (r + 2) * n + j + L);
        c30.intoArray(out, (r + 3) * n + j);
        c31.intoArray(out, (r + 3) * n + j + L);
    }

    private static void tile1(float[] a, int r, int k, float[] w, int wOff, int stride, int j, int n, float[] bias,
                              float[] out) {
        FloatVector c0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, j);
        FloatVector c1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, j + L);
        for (int kk = 0; kk < k; kk++) {
            FloatVector x = FloatVector.broadcast(F, a[r * k + kk]);
            c0 = x.fma(FloatVector.fromArray(F, w, wOff + kk * stride), c0);
            c1 = x.fma(FloatVector.fromArray(F, w, wOff + kk * stride + L), c1);
        }
        c0.intoArray(out, r * n + j);
        c1.intoArray(out, r * n + j + L);
    }
}
