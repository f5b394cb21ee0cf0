package org.instructgpt.model.cpu;

import org.instructgpt.model.cpu.HeapGemm.Operand;

import java.util.Arrays;

import static org.instructgpt.model.cpu.ArrayKernels.multiply;

/**
 * Causal self-attention of the array engine's training pass, head by head: scores and weighted values through
 * {@link HeapGemm} (transposes as strides, no copies), the masked softmax and its backward as row kernels.
 *
 * <p>The products run in blocks of {@value #BLOCK} queries (or keys) and skip what causality makes zero: a block of
 * queries ending at r1 needs scores for keys below r1 only, and a block of keys starting at r0 receives gradient from
 * queries from r0 on. At 128 positions that is 37.5% of attention's multiply-adds. The outputs do not change: the
 * skipped terms were products with probabilities that are exactly 0, and the scores skipped were overwritten by 0.
 */
final class ArrayAttention {
    /** A multiple of the gemm's tile height and panel width, so the blocks keep whole tiles. */
    static final int BLOCK = 32;
    private final int c;
    private final int heads;
    private final int d;
    private float[] square = new float[0];
    private float[] dProbs = new float[0];
    private float[] keyBias = new float[0];
    private float[] rowScratch = new float[0];

    ArrayAttention(int c, int heads) {
        this.c = c;
        this.heads = heads;
        this.d = c / heads;
    }

    private void ensure(int t) {
        if (keyBias.length < t) {
            square = new float[t * t];
            dProbs = new float[t * t];
            keyBias = new float[t];
            rowScratch = new float[t];
        }
    }

    /**
     * From qkv [n, 3c] into att [n, c]; keeps the probabilities (before dropout) in {@code probs}. {@code keep} is
     * the attention dropout's scaled keep flags over [b, heads, t, t], or null. A query sees the keys at or before it
     * whose mask is 1, and always itself ({@link org.instructgpt.model.Gpt2Layout#mayAttend}).
     */
    void forward(float[] qkv, float[] mask, int b, int t, float scale, float[] keep, float[] probs, float[] att) {
        ensure(t);
        int tt = t * t;
        int ld = 3 * c;
        for (int bi = 0; bi < b; bi++) {
            int rowBase = bi * t * ld;
            for (int k = 0; k < t; k++) {
                keyBias[k] = mask[bi * t + k] != 0 ? 0f : Float.NEGATIVE_INFINITY;
            }
            for (int h = 0; h < heads; h++) {
                int pBase = (bi * heads + h) * tt;
                for (int r0 = 0; r0 < t; r0 += BLOCK) {
                    int r1 = Math.min(t, r0 + BLOCK);
                    HeapGemm.gemm(Operand.rows(qkv, rowBase + r0 * ld + h * d, ld),
                            Operand.transposed(qkv, rowBase + c + h * d, ld), probs, pBase + r0 * t, t, r1 - r0, r1, d,
                            null, 0, false);
                }
                ArrayKernels.causalSoftmax(probs, pBase, t, keyBias, scale, rowScratch);
                float[] pd = probs;
                int pdOff = pBase;
                if (keep != null) {
                    multiply(probs, pBase, keep, pBase, square, 0, tt);
                    pd = square;
                    pdOff = 0;
                }
                for (int r0 = 0; r0 < t; r0 += BLOCK) {
                    int r1 = Math.min(t, r0 + BLOCK);
                    HeapGemm.gemm(Operand.rows(pd, pdOff + r0 * t, t), Operand.rows(qkv, rowBase + 2 * c + h * d, ld), att,
                            (bi * t + r0) * c + h * d, c, r1 - r0, d, r1, null, 0, false);
                }
            }
        }
    }

    /**
     * As {@link #forward} without dropout, for the queries at {@code rows} only (row = b * t + q, one output row each):
     * att [rows.length, c], probabilities [rows.length, heads, t]. A reward model's top block needs no other query.
     */
    void forwardRows(float[] qkv, float[] mask, int t, int[] rows, float scale, float[] probs, float[] att) {
        ensure(t);
        int ld = 3 * c;
        for (int i = 0; i < rows.length; i++) {
            int bi = rows[i] / t;
            int q = rows[i] % t;
            int rowBase = bi * t * ld;
            for (int k = 0; k <= q; k++) {
                keyBias[k] = mask[bi * t + k] != 0 ? 0f : Float.NEGATIVE_INFINITY;
            }
            for (int h = 0; h < heads; h++) {
                int pAt = (i * heads + h) * t;
                int qAt = rowBase + q * ld + h * d;
                for (int k = 0; k <= q; k++) {
                    probs[pAt + k] = ArrayKernels.dot(qkv, qAt, qkv, rowBase + k * ld + c + h * d, d);
                }
                ArrayKernels.maskedSoftmax(probs, pAt, q + 1, t, keyBias, 0, q, scale);
                int out = i * c + h * d;
                Arrays.fill(att, out, out + d, 0f);
                for (int k = 0; k <= q; k++) {
                    ArrayKernels.addScaled(att, out, qkv, rowBase + k * ld + 2 * c + h * d, d, probs[pAt + k]);
                }
            }
        }
    }

    /**
     * The backward of {@link #forwardRows}: from dAtt [rows.length, c] into dqkv [n, 3c], which the caller zeroed
     * (queries' gradients at those rows, keys' and values' at every row they attended to).
     */
    void backwardRows(float[] qkv, float[] probs, int t, int[] rows, float scale, float[] dAtt, float[] dqkv) {
        ensure(t);
        int ld = 3 * c;
        float[] dP = dProbs;
        for (int i = 0; i < rows.length; i++) {
            int bi = rows[i] / t;
            int q = rows[i] % t;
            int rowBase = bi * t * ld;
            for (int h = 0; h < heads; h++) {
                int pAt = (i * heads + h) * t;
                int dy = i * c + h * d;
                int qAt = rowBase + q * ld + h * d;
                for (int k = 0; k <= q; k++) {
                    int vAt = rowBase + k * ld + 2 * c + h * d;
                    dP[k] = ArrayKernels.dot(dAtt, dy, qkv, vAt, d);
                    ArrayKernels.addScaled(dqkv, vAt, dAtt, dy, d, probs[pAt + k]);
                }
                ArrayKernels.softmaxBackward(probs, pAt, dP, 0, q + 1, scale);
                for (int k = 0; k <= q; k++) {
                    int kAt = rowBase + k * ld + c + h * d;
                    ArrayKernels.addScaled(dqkv, qAt, qkv, kAt, d, dP[k]);
                    ArrayKernels.addScaled(dqkv, kAt, qkv, qAt, d, dP[k]);
                }
            }
        }
    }

    /** From dAtt [n, c] to dqkv [n, 3c], with the forward's qkv, probabilities and keep flags. */
    void backward(float[] qkv, float[] probs, float[] keep, int b, int t, float scale, float[] dAtt, float[] dqkv) {
        ensure(t);
        int ld = 3 * c;
        int tt = t * t;
        float[] dP = dProbs;
        for (int bi = 0; bi < b; bi++) {
            int rowBase = bi * t * ld;
            for (int h = 0; h < heads; h++) {
                int pBase = (bi * heads + h) * tt;
                int dyAt = bi * t * c + h * d;
                // y = Pd v: dPd = dy v^T, dv = Pd^T dy.
                for (int r0 = 0; r0 < t; r0 += BLOCK) {
                    int r1 = Math.min(t, r0 + BLOCK);
                    HeapGemm.gemm(Operand.rows(dAtt, dyAt + r0 * c, c), Operand.transposed(qkv, rowBase + 2 * c + h * d, ld),
                            dP, r0 * t, t, r1 - r0, r1, d, null, 0, false);
                }
                float[] pd = probs;
                int pdOff = pBase;
                if (keep != null) {
                    multiply(probs, pBase, keep, pBase, square, 0, tt);
                    pd = square;
                    pdOff = 0;
                    multiply(dP, 0, keep, pBase, dP, 0, tt);
                }
                for (int r0 = 0; r0 < t; r0 += BLOCK) {
                    int r1 = Math.min(t, r0 + BLOCK);
                    HeapGemm.gemm(Operand.transposed(pd, pdOff + r0 * t + r0, t), Operand.rows(dAtt, dyAt + r0 * c, c),
                            dqkv, rowBase + r0 * ld + 2 * c + h * d, ld, r1 - r0, d, t - r0, null, 0, false);
                }
                // softmax: dS = P (dP - sum(dP P)) scale, in place in dP.
                ArrayKernels.causalSoftmaxBackward(probs, pBase, dP, 0, t, scale, rowScratch);
                // s = q k^T: dq = dS k, dk = dS^T q.
                for (int r0 = 0; r0 < t; r0 += BLOCK) {
                    int r1 = Math.min(t, r0 + BLOCK);
                    HeapGemm.gemm(Operand.rows(dP, r0 * t, t), Operand.rows(qkv, rowBase + c + h * d, ld), dqkv,
                            rowBase + r0 * ld + h * d, ld, r1 - r0, d, r1, null, 0, false);
                    HeapGemm.gemm(Operand.transposed(dP, r0 * t + r0, t), Operand.rows(qkv, rowBase + r0 * ld + h * d, ld),
                            dqkv, rowBase + r0 * ld + c + h * d, ld, r1 - r0, d, t - r0, null, 0, false);
                }
            }
        }
    }
}
