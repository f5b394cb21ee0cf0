package org.instructgpt.model.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link HeapGemm}'s register tiles: c[h rows, 2 vectors] += a[h rows, k] b[k, 2 vectors], b a packed panel [k][W].
 * Eight rows by two vectors: sixteen accumulators, enough independent FMA chains to cover the FMA latency (twelve
 * rows, 24 of AVX-512's 32 registers, ran 2-9% slower in the products alone and 7% slower in a training pass:
 * docs/benchmarks.md). Each kernel has one shape of a and no branches, so C2 compiles the same code whatever its
 * callers' profile (one kernel taking strides and start choices as arguments ran 5-10% slower or faster from JVM to
 * JVM in a training pass). They always accumulate: {@link #start} writes the bias or zero into the tile first. Every
 * output is the fused-multiply-add chain over k in index order.
 */
final class TileKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    static final int W = 2 * L;

    private TileKernels() {
    }

    /** Writes a tile's starting values (the bias or zero) into c[h rows, W], where a kernel will accumulate on them. */
    static void start(float[] c, int co, int ldc, int h, float[] bias, int biasOff) {
        FloatVector s0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, biasOff);
        FloatVector s1 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, biasOff + L);
        for (int r = 0; r < h; r++) {
            s0.intoArray(c, co + r * ldc);
            s1.intoArray(c, co + r * ldc + L);
        }
    }

    /** Eight rows of a row-major a: row r, column p at a[aOff + r * rs + p]. */
    static void tile8Rows(float[] a, int aOff, int rs, float[] b, int bOff, float[] c, int co, int ldc, int k) {
        FloatVector c00 = FloatVector.fromArray(F, c, co), c01 = FloatVector.fromArray(F, c, co + L);
        FloatVector c10 = FloatVector.fromArray(F, c, co + ldc), c11 = FloatVector.fromArray(F, c, co + ldc + L);
        FloatVector c20 = FloatVector.fromArray(F, c, co + 2 * ldc), c21 = FloatVector.fromArray(F, c, co + 2 * ldc + L);
        FloatVector c30 = FloatVector.fromArray(F, c, co + 3 * ldc), c31 = FloatVector.fromArray(F, c, co + 3 * ldc + L);
        FloatVector c40 = FloatVector.fromArray(F, c, co + 4 * ldc), c41 = FloatVector.fromArray(F, c, co + 4 * ldc + L);
        FloatVector c50 = FloatVector.fromArray(F, c, co + 5 * ldc), c51 = FloatVector.fromArray(F, c, co + 5 * ldc + L);
        FloatVector c60 = FloatVector.fromArray(F, c, co + 6 * ldc), c61 = FloatVector.fromArray(F, c, co + 6 * ldc + L);
        FloatVector c70 = FloatVector.fromArray(F, c, co + 7 * ldc), c71 = FloatVector.fromArray(F, c, co + 7 * ldc + L);
        int bo = bOff;
        int ap = aOff;
        for (int p = 0; p < k; p++) {
            FloatVector w0 = FloatVector.fromArray(F, b, bo);
            FloatVector w1 = FloatVector.fromArray(F, b, bo + L);
            bo += W;
            FloatVector x = FloatVector.broadcast(F, a[ap]);
            c00 = x.fma(w0, c00);
            c01 = x.fma(w1, c01);
            x = FloatVector.broadcast(F, a[ap + rs]);
            c10 = x.fma(w0, c10);
            c11 = x.fma(w1, c11);
            x = FloatVector.broadcast(F, a[ap + 2 * rs]);
            c20 = x.fma(w0, c20);
            c21 = x.fma(w1, c21);
            x = FloatVector.broadcast(F, a[ap + 3 * rs]);
            c30 = x.fma(w0, c30);
            c31 = x.fma(w1, c31);
            x = FloatVector.broadcast(F, a[ap + 4 * rs]);
            c40 = x.fma(w0, c40);
            c41 = x.fma(w1, c41);
            x = FloatVector.broadcast(F, a[ap + 5 * rs]);
            c50 = x.fma(w0, c50);
            c51 = x.fma(w1, c51);
            x = FloatVector.broadcast(F, a[ap + 6 * rs]);
            c60 = x.fma(w0, c60);
            c61 = x.fma(w1, c61);
            x = FloatVector.broadcast(F, a[ap + 7 * rs]);
            c70 = x.fma(w0, c70);
            c71 = x.fma(w1, c71);
            ap++;
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + L);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + L);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + L);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + L);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + L);
        c60.intoArray(c, co + 6 * ldc);
        c61.intoArray(c, co + 6 * ldc + L);
        c70.intoArray(c, co + 7 * ldc);
        c71.intoArray(c, co + 7 * ldc + L);
    }

    /** Eight rows of a read along its columns: row r, column p at a[aOff + r + p * cs] (a packed tile has cs 8). */
    static void tile8Columns(float[] a, int aOff, int cs, float[] b, int bOff, float[] c, int co, int ldc, int k) {
        FloatVector c00 = FloatVector.fromArray(F, c, co), c01 = FloatVector.fromArray(F, c, co + L);
        FloatVector c10 = FloatVector.fromArray(F, c, co + ldc), c11 = FloatVector.fromArray(F, c, co + ldc + L);
        FloatVector c20 = FloatVector.fromArray(F, c, co + 2 * ldc), c21 = FloatVector.fromArray(F, c, co + 2 * ldc + L);
        FloatVector c30 = FloatVector.fromArray(F, c, co + 3 * ldc), c31 = FloatVector.fromArray(F, c, co + 3 * ldc + L);
        FloatVector c40 = FloatVector.fromArray(F, c, co + 4 * ldc), c41 = FloatVector.fromArray(F, c, co + 4 * ldc + L);
        FloatVector c50 = FloatVector.fromArray(F, c, co + 5 * ldc), c51 = FloatVector.fromArray(F, c, co + 5 * ldc + L);
        FloatVector c60 = FloatVector.fromArray(F, c, co + 6 * ldc), c61 = FloatVector.fromArray(F, c, co + 6 * ldc + L);
        FloatVector c70 = FloatVector.fromArray(F, c, co + 7 * ldc), c71 = FloatVector.fromArray(F, c, co + 7 * ldc + L);
        int bo = bOff;
        int ap = aOff;
        for (int p = 0; p < k; p++) {
            FloatVector w0 = FloatVector.fromArray(F, b, bo);
            FloatVector w1 = FloatVector.fromArray(F, b, bo + L);
            bo += W;
            FloatVector x = FloatVector.broadcast(F, a[ap]);
            c00 = x.fma(w0, c00);
            c01 = x.fma(w1, c01);
            x = FloatVector.broadcast(F, a[ap + 1]);
            c10 = x.fma(w0, c10);
            c11 = x.fma(w1, c11);
            x = FloatVector.broadcast(F, a[ap + 2]);
            c20 = x.fma(w0, c20);
            c21 = x.fma(w1, c21);
            x = FloatVector.broadcast(F, a[ap + 3]);
            c30 = x.fma(w0, c30);
            c31 = x.fma(w1, c31);
            x = FloatVector.broadcast(F, a[ap + 4]);
            c40 = x.fma(w0, c40);
            c41 = x.fma(w1, c41);
            x = FloatVector.broadcast(F, a[ap + 5]);
            c50 = x.fma(w0, c50);
            c51 = x.fma(w1, c51);
            x = FloatVector.broadcast(F, a[ap + 6]);
            c60 = x.fma(w0, c60);
            c61 = x.fma(w1, c61);
            x = FloatVector.broadcast(F, a[ap + 7]);
            c70 = x.fma(w0, c70);
            c71 = x.fma(w1, c71);
            ap += cs;
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + L);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + L);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + L);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + L);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + L);
        c60.intoArray(c, co + 6 * ldc);
        c61.intoArray(c, co + 6 * ldc + L);
        c70.intoArray(c, co + 7 * ldc);
        c71.intoArray(c, co + 7 * ldc + L);
    }
}
