package org.instructgpt.model.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The row-wise and element-wise kernels of the array-based passes ({@link ArrayEngine}, {@link KvCacheDecoder}):
 * masked softmax, LayerNorm, {@code gelu_new}, their gradients, and the small vector operations around them, on Java
 * arrays with the Vector API. Exponentials use {@link VectorMath}'s polynomial exp and lane sums are added
 * in lane order, so results are the same before and after JIT compilation.
 */
final class ArrayKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final float GELU_K = (float) Math.sqrt(2.0 / Math.PI);
    private static final float GELU_A = 0.044715f;

    private static final ThreadBuffer SCRATCH = new ThreadBuffer();

    private ArrayKernels() {
    }

    /** Floats per vector on this machine. */
    static int lanes() {
        return L;
    }

    /**
     * In place over s[at .. at+len): the softmax of scale * s + keyBias[biasAt ..] (0 for a key that may be seen,
     * -inf for one that may not), where element {@code self} (relative to {@code at}) is always seen. The row may be
     * written up to {@code room} elements (and keyBias read as far), which then hold 0: a causal row is padded to whole
     * vectors with keys that may not be seen, since a short row's scalar tail of exponentials cost more than its
     * vectors (exp was 6% of a PPO step at config S, most of it in tails).
     */
    static void maskedSoftmax(float[] s, int at, int len, int room, float[] keyBias, int biasAt, int self, float scale) {
        maskedSoftmax(s, at, padToVectors(s, at, len, room), scale, keyBias, biasAt, self);
    }

    /** A row of len elements made whole vectors within room by keys that may not be seen; returns its new length. */
    private static int padToVectors(float[] s, int at, int len, int room) {
        int padded = paddedLength(len, room);
        for (int k = len; k < padded; k++) {
            s[at + k] = Float.NEGATIVE_INFINITY;
        }
        return padded;
    }

    private static int paddedLength(int len, int room) {
        return Math.min(room, (len + L - 1) / L * L);
    }

    /**
     * The causal softmax of a head's t x t scores at {@code base} (row q: keys 0..q, keys past q set to 0), as
     * {@link #maskedSoftmax(float[], int, int, int, float[], int, int, float)} row by row with room t, but pass by
     * pass across the rows: a row's passes are a chain of dependent reductions (the max, the sum, its reciprocal), and
     * neighbouring rows' chains overlap only when their passes are neighbours. The same operations on every row, so
     * the same bits. {@code rowScratch} holds t floats.
     */
    static void causalSoftmax(float[] s, int base, int t, float[] keyBias, float scale, float[] rowScratch) {
        for (int q = 0; q < t; q++) {
            int at = base + q * t;
            rowScratch[q] = scoreRow(s, at, padToVectors(s, at, q + 1, t), scale, keyBias, 0, q);
        }
        for (int q = 0; q < t; q++) {
            rowScratch[q] = 1f / expShifted(s, base + q * t, paddedLength(q + 1, t), rowScratch[q]);
        }
        for (int q = 0; q < t; q++) {
            int at = base + q * t;
            scale(s, at, paddedLength(q + 1, t), rowScratch[q]);
            Arrays.fill(s, at + q + 1, at + t, 0f);
        }
    }

    /** {@link #maskedSoftmax(float[], int, int, int, float[], int, int, float)} without room past the row. */
    static void maskedSoftmax(float[] s, int at, int len, float scale, float[] keyBias, int biasAt, int self) {
        float max = scoreRow(s, at, len, scale, keyBias, biasAt, self);
        scale(s, at, len, 1f / expShifted(s, at, len, max));
    }

    /** In place s = scale * s + keyBias with element {@code self} seen whatever its bias; returns the row's largest. */
    private static float scoreRow(float[] s, int at, int len, float scale, float[] keyBias, int biasAt, int self) {
        float selfScore = s[at + self] * scale;
        FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int k = 0;
        for (int up = F.loopBound(len); k < up; k += L) {
            FloatVector v = FloatVector.fromArray(F, s, at + k).mul(scale).add(FloatVector.fromArray(F, keyBias, biasAt + k));
            v.intoArray(s, at + k);
            mx = mx.max(v);
        }
        float max = mx.reduceLanes(VectorOperators.MAX);
        for (; k < len; k++) {
            s[at + k] = s[at + k] * scale + keyBias[biasAt + k];
            max = Math.max(max, s[at + k]);
        }
        s[at + self] = selfScore;
        return Math.max(max, selfScore);
    }

    /**
     * {@link #softmaxBackward} over the causal rows of a head (row q of t: its first q + 1 entries; the rest of dp's
     * row set to 0), pass by pass across the rows as {@link #causalSoftmax}: the same bits as row by row.
     */
    static void causalSoftmaxBackward(float[] probs, int pBase, float[] dp, int dBase, int t, float scale,
                                      float[] rowScratch) {
        for (int q = 0; q < t; q++) {
            rowScratch[q] = dotRow(probs, pBase + q * t, dp, dBase + q * t, q + 1);
        }
        for (int q = 0; q < t; q++) {
            softmaxBackward(probs, pBase + q * t, dp, dBase + q * t, q + 1, scale, rowScratch[q]);
            Arrays.fill(dp, dBase + q * t + q + 1, dBase + (q + 1) * t, 0f);
        }
    }

    /** dp[at ..] = probs (dp - sum(dp probs)) scale over len elements: the softmax's backward, in place. */
    static void softmaxBackward(float[] probs, int pa, float[] dp, int at, int len, float scale) {
        softmaxBackward(probs, pa, dp, at, len, scale, dotRow(probs, pa, dp, at, len));
    }

    /** sum(dp probs) over len elements, as the softmax's backward adds it. */
    private static float dotRow(float[] probs, int pa, float[] dp, int at, int len) {
        float[] lanes = new float[L];
        int up = F.loopBound(len);
        FloatVector acc = FloatVector.zero(F);
        int k = 0;
        for (; k < up; k += L) {
            acc = FloatVector.fromArray(F, dp, at + k).fma(FloatVector.fromArray(F, probs, pa + k), acc);
        }
        acc.intoArray(lanes, 0);
        float dot = VectorMath.sumInOrder(lanes);
        for (; k < len; k++) {
            dot = Math.fma(dp[at + k], probs[pa + k], dot);
        }
        return dot;
    }

    private static void softmaxBackward(float[] probs, int pa, float[] dp, int at, int len, float scale, float dot) {
        int up = F.loopBound(len);
        int k = 0;
        for (; k < up; k += L) {
            FloatVector.fromArray(F, dp, at + k).sub(dot).mul(FloatVector.fromArray(F, probs, pa + k)).mul(scale)
                    .intoArray(dp, at + k);
        }
        for (; k < len; k++) {
            dp[at + k] = (dp[at + k] - dot) * probs[pa + k] * scale;
        }
    }

    /** In place exp(a - max) over a[at .. at+len) (0 where a is -inf); returns the sum as {@link VectorMath#exp}. */
    static float expShifted(float[] a, int at, int len, float max) {
        return VectorMath.exp(a, at, max, a, at, len);
    }

    /** Sum of exp(a - max) (a - max) over a[at .. at+len), without writing: the entropy's numerator. */
    static float expShiftedDot(float[] a, int at, int len, float max) {
        float[] lanes = new float[L];
        float[] e = SCRATCH.take(len);
        VectorMath.exp(a, at, max, e, 0, len);
        int i = 0;
        FloatVector acc = FloatVector.zero(F);
        for (int up = F.loopBound(len); i < up; i += L) {
            acc = FloatVector.fromArray(F, e, i).fma(FloatVector.fromArray(F, a, at + i).sub(max), acc);
        }
        acc.intoArray(lanes, 0);
        float sum = VectorMath.sumInOrder(lanes);
        for (; i < len; i++) {
            sum = Math.fma(e[i], a[at + i] - max, sum);
        }
        return sum;
    }

    /** The largest of a[at .. at+len). */
    static float max(float[] a, int at, int len) {
        int i = 0;
        FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int up = F.loopBound(len); i < up; i += L) {
            mx = mx.max(FloatVector.fromArray(F, a, at + i));
        }
        float m = mx.reduceLanes(VectorOperators.MAX);
        for (; i < len; i++) {
            m = Math.max(m, a[at + i]);
        }
        return m;
    }

    /** The dot product of a[aAt ..] and b[bAt ..] over n elements, in lane order then the tail. */
    static float dot(float[] a, int aAt, float[] b, int bAt, int n) {
        float[] lanes = new float[L];
        int i = 0;
        FloatVector acc = FloatVector.zero(F);
        for (int up = F.loopBound(n); i < up; i += L) {
            acc = FloatVector.fromArray(F, a, aAt + i).fma(FloatVector.fromArray(F, b, bAt + i), acc);
        }
        acc.intoArray(lanes, 0);
        float s = VectorMath.sumInOrder(lanes);
        for (; i < n; i++) {
            s = Math.fma(a[aAt + i], b[bAt + i], s);
        }
        return s;
    }

    /** y[yAt ..] += f x[xAt ..] over n elements. */
    static void addScaled(float[] y, int yAt, float[] x, int xAt, int n, float f) {
        int i = 0;
        for (int up = F.loopBound(n); i < up; i += L) {
            FloatVector.fromArray(F, x, xAt + i).fma(FloatVector.broadcast(F, f), FloatVector.fromArray(F, y, yAt + i)).intoArray(y, yAt + i);
        }
        for (; i < n; i++) {
            y[yAt + i] = Math.fma(x[xAt + i], f, y[yAt + i]);
        }
    }

    /**
     * y = xhat * gamma + beta for each of the n rows of x [n, c]; xhat and 1/std are kept when the arrays are given
     * (the backward pass needs them).
     */
    static void layerNorm(float[] x, int n, int c, float[] gamma, int gammaAt, float[] beta, int betaAt, float eps,
                          float[] xhat, float[] rstd, float[] y) {
        float[] lanes = new float[L];
        int up = F.loopBound(c);
        for (int r = 0; r < n; r++) {
            int at = r * c;
            FloatVector acc = FloatVector.zero(F);
            int e = 0;
            for (; e < up; e += L) {
                acc = acc.add(FloatVector.fromArray(F, x, at + e));
            }
            acc.intoArray(lanes, 0);
            float sum = VectorMath.sumInOrder(lanes);
            for (; e < c; e++) {
                sum += x[at + e];
            }
            float mean = sum / c;
            acc = FloatVector.zero(F);
            for (e = 0; e < up; e += L) {
                FloatVector u = FloatVector.fromArray(F, x, at + e).sub(mean);
                acc = u.fma(u, acc);
            }
            acc.intoArray(lanes, 0);
            float var = VectorMath.sumInOrder(lanes);
            for (; e < c; e++) {
                float u = x[at + e] - mean;
                var = Math.fma(u, u, var);
            }
            float inv = (float) (1.0 / Math.sqrt(var / c + eps));
            if (rstd != null) {
                rstd[r] = inv;
            }
            for (e = 0; e < up; e += L) {
                FloatVector xh = FloatVector.fromArray(F, x, at + e).sub(mean).mul(inv);
                if (xhat != null) {
                    xh.intoArray(xhat, at + e);
                }
                xh.fma(FloatVector.fromArray(F, gamma, gammaAt + e), FloatVector.fromArray(F, beta, betaAt + e))
                        .intoArray(y, at + e);
            }
            for (; e < c; e++) {
                float xh = (x[at + e] - mean) * inv;
                if (xhat != null) {
                    xhat[at + e] = xh;
                }
                y[at + e] = Math.fma(xh, gamma[gammaAt + e], beta[betaAt + e]);
            }
        }
    }

    /**
     * LayerNorm's backward: dx += rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) with dxhat = dy gamma, and
     * dGamma += dy xhat, dBeta += dy, row by row.
     */
    static void layerNormBackward(float[] dy, float[] xhat, float[] rstd, int n, int c, float[] gamma, int gammaAt,
                                  float[] grads, int dGammaAt, int dBetaAt, float[] dx) {
        float[] lanes = new float[L];
        int up = F.loopBound(c);
        for (int r = 0; r < n; r++) {
            int at = r * c;
            FloatVector s1 = FloatVector.zero(F);
            FloatVector s2 = FloatVector.zero(F);
            int e = 0;
            for (; e < up; e += L) {
                FloatVector dyv = FloatVector.fromArray(F, dy, at + e);
                FloatVector xh = FloatVector.fromArray(F, xhat, at + e);
                FloatVector dxh = dyv.mul(FloatVector.fromArray(F, gamma, gammaAt + e));
                s1 = s1.add(dxh);
                s2 = dxh.fma(xh, s2);
                dyv.fma(xh, FloatVector.fromArray(F, grads, dGammaAt + e)).intoArray(grads, dGammaAt + e);
                dyv.add(FloatVector.fromArray(F, grads, dBetaAt + e)).intoArray(grads, dBetaAt + e);
            }
            s1.intoArray(lanes, 0);
            float sum1 = VectorMath.sumInOrder(lanes);
            s2.intoArray(lanes, 0);
            float sum2 = VectorMath.sumInOrder(lanes);
            for (; e < c; e++) {
                float dxh = dy[at + e] * gamma[gammaAt + e];
                sum1 += dxh;
                sum2 = Math.fma(dxh, xhat[at + e], sum2);
                grads[dGammaAt + e] = Math.fma(dy[at + e], xhat[at + e], grads[dGammaAt + e]);
                grads[dBetaAt + e] += dy[at + e];
            }
            float m1 = sum1 / c;
            float m2 = sum2 / c;
            float inv = rstd[r];
            for (e = 0; e < up; e += L) {
                FloatVector dxh = FloatVector.fromArray(F, dy, at + e).mul(FloatVector.fromArray(F, gamma, gammaAt + e));
                FloatVector xh = FloatVector.fromArray(F, xhat, at + e);
                dxh.sub(m1).sub(xh.mul(m2)).mul(inv).add(FloatVector.fromArray(F, dx, at + e)).intoArray(dx, at + e);
            }
            for (; e < c; e++) {
                float dxh = dy[at + e] * gamma[gammaAt + e];
                dx[at + e] += (dxh - m1 - xhat[at + e] * m2) * inv;
            }
        }
    }

    /** act = 0.5 u (1 + t), t = tanh(K (u + A u^3)), kept in {@code t} when given; act may be u. */
    static void gelu(float[] u, float[] t, float[] act, int n) {
        float[] th = t != null ? t : SCRATCH.take(n);
        int up = F.loopBound(n);
        int i = 0;
        for (; i < up; i += L) {
            FloatVector v = FloatVector.fromArray(F, u, i);
            v.mul(v).fma(GELU_A, 1f).mul(v).mul(GELU_K).intoArray(th, i);
        }
        for (; i < n; i++) {
            float v = u[i];
            th[i] = GELU_K * v * (1f + GELU_A * v * v);
        }
        VectorMath.tanh(th, 0, n);
        for (i = 0; i < up; i += L) {
            FloatVector.fromArray(F, th, i).add(1f).mul(FloatVector.fromArray(F, u, i)).mul(0.5f).intoArray(act, i);
        }
        for (; i < n; i++) {
            act[i] = 0.5f * u[i] * (1f + th[i]);
        }
    }

    /** In place: dy *= gelu'(u), with t the tanh kept by {@link #gelu}. */
    static void geluBackward(float[] u, float[] t, float[] dy, int n) {
        int i = 0;
        for (int up = F.loopBound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(F, u, i);
            FloatVector th = FloatVector.fromArray(F, t, i);
            FloatVector du = v.mul(v).fma(3 * GELU_A, 1f).mul(GELU_K);
            FloatVector sech2 = th.mul(th).neg().add(1f);
            FloatVector gr = sech2.mul(du).mul(v).add(th).add(1f).mul(0.5f);
            gr.mul(FloatVector.fromArray(F, dy, i)).intoArray(dy, i);
        }
        for (; i < n; i++) {
            float v = u[i];
            float th = t[i];
            dy[i] *= 0.5f * (1f + th + (1f - th * th) * GELU_K * (1f + 3 * GELU_A * v * v) * v);
        }
    }

    /** x[xAt ..] += y[yAt ..] over n elements. */
    static void add(float[] x, int xAt, float[] y, int yAt, int n) {
        int i = 0;
        for (int up = F.loopBound(n); i < up; i += L) {
            FloatVector.fromArray(F, x, xAt + i).add(FloatVector.fromArray(F, y, yAt + i)).intoArray(x, xAt + i);
        }
        for (; i < n; i++) {
            x[xAt + i] += y[yAt + i];
        }
    }

    /** out[outAt ..] = a[aAt ..] * b[bAt ..] over n elements (out may be a or b). */
    static void multiply(float[] a, int aAt, float[] b, int bAt, float[] out, int outAt, int n) {
        int i = 0;
        for (int up = F.loopBound(n); i < up; i += L) {
            FloatVector.fromArray(F, a, aAt + i).mul(FloatVector.fromArray(F, b, bAt + i)).intoArray(out, outAt + i);
        }
        for (; i < n; i++) {
            out[outAt + i] = a[aAt + i] * b[bAt + i];
        }
    }

    /** a[at ..] *= f over n elements. */
    static void scale(float[] a, int at, int n, float f) {
        int i = 0;
        for (int up = F.loopBound(n); i < up; i += L) {
            FloatVector.fromArray(F, a, at + i).mul(f).intoArray(a, at + i);
        }
        for (; i < n; i++) {
            a[at + i] *= f;
        }
    }
}
