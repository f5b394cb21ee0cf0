package org.instructgpt.model.cpu;

import org.instructgpt.model.cpu.HeapGemm.Operand;

/**
 * The top block's query/key/value projection when a scalar head reads a few rows alone (the reward model's last real
 * tokens, {@link ArrayEngine}'s top rows): keys and values at every row, since the wanted queries attend to them all,
 * but queries at the wanted rows only. At every other row the queries would be computed, never read, and their zero
 * gradient multiplied back: a third of the projection's products, forward and backward.
 */
final class WantedRowsQkv {
    private WantedRowsQkv() {
    }

    /**
     * Whether the top block takes this path for {@code rows} wanted rows of n: some rows are not wanted, and a
     * {@code scratch} of {@code n * inner} floats holds what both passes need.
     */
    static boolean applies(int rows, int n, int c, int inner) {
        return rows < n && 3L * rows * c <= (long) n * inner;
    }

    /**
     * qkv [n, 3c] = h1 [n, c] W + bias for W [c, 3c] at {@code wAt} in {@code p}: keys and values at every row,
     * queries at {@code rows} only (the other rows' query columns are left as they were).
     */
    static void forward(float[] h1, int n, float[] p, int wAt, int biasAt, int c, int[] rows, float[] qkv,
                        float[] scratch) {
        int ld = 3 * c;
        int r = rows.length;
        HeapGemm.gemm(Operand.rows(h1, 0, c), Operand.rows(p, wAt + c, ld), qkv, c, ld, n, 2 * c, c, p, biasAt + c,
                false);
        gather(h1, c, rows, c, scratch, 0);
        HeapGemm.gemm(Operand.rows(scratch, 0, c), Operand.rows(p, wAt, ld), scratch, r * c, c, r, c, c, p, biasAt,
                false);
        for (int i = 0; i < r; i++) {
            System.arraycopy(scratch, (r + i) * c, qkv, rows[i] * ld, c);
        }
    }

    /**
     * The backward of {@link #forward}, with dqkv's query columns zero outside {@code rows}: dW and dbias added into
     * {@code g} at the parameters' offsets, dx [n, c] = dqkv W^T written.
     */
    static void backward(float[] h1, float[] dqkv, int n, float[] p, float[] g, int wAt, int biasAt, int c, int[] rows,
                         float[] dx, float[] scratch) {
        int ld = 3 * c;
        int r = rows.length;
        HeapGemm.gemm(Operand.transposed(h1, 0, c), Operand.rows(dqkv, c, ld), g, wAt + c, ld, c, 2 * c, n, null, 0,
                true);
        HeapGemm.gemm(Operand.rows(dqkv, c, ld), Operand.transposed(p, wAt + c, ld), dx, 0, c, n, c, 2 * c, null, 0,
                false);
        int hAt = 0;
        int dqAt = r * c;
        int dxAt = 2 * r * c;
        gather(h1, c, rows, c, scratch, hAt);
        gather(dqkv, ld, rows, c, scratch, dqAt);
        HeapGemm.gemm(Operand.transposed(scratch, hAt, c), Operand.rows(scratch, dqAt, c), g, wAt, ld, c, c, r, null, 0,
                true);
        HeapGemm.gemm(Operand.rows(scratch, dqAt, c), Operand.transposed(p, wAt, ld), scratch, dxAt, c, r, c, c, null, 0,
                false);
        for (int i = 0; i < r; i++) {
            ArrayKernels.add(dx, rows[i] * c, scratch, dxAt + i * c, c);
        }
        for (int i = 0; i < n; i++) {
            ArrayKernels.add(g, biasAt, dqkv, i * ld, ld);
        }
    }

    /** The first {@code width} columns of {@code rows} of a row-major matrix with leading dimension ld, packed. */
    private static void gather(float[] m, int ld, int[] rows, int width, float[] out, int outAt) {
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(m, rows[i] * ld, out, outAt + i * width, width);
        }
    }
}
