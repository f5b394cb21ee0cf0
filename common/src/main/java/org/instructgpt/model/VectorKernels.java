package org.instructgpt.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Fused float kernels for the element-wise and row-wise parts of a GPT-2 step, written with the JDK's Vector API.
 * libnd4j runs each of these as several ops with one pass over memory each, and its {@code tanh}, {@code exp} and
 * softmax cost about 5 ns per float on the benchmark machine; one fused pass with the JDK's SVML intrinsics is 10-30x
 * faster. Only {@link FusedKernels} calls these, after checking that the arrays are contiguous CPU float arrays; the
 * composed ND4J code in each module stays the reference (and the path for double precision and GPUs).
 */
final class VectorKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final float K = (float) Math.sqrt(2.0 / Math.PI);
    private static final float A = 0.044715f;

    private VectorKernels() {
    }

    // Exponentials and sums must give the same bits whether a kernel runs interpreted, in C1 or in C2: the Vector
    // API's EXP/TANH (SVML in C2, StrictMath in the fallback) and its ADD reduction (unordered) do not, which made
    // training depend on JIT warm-up. So exp is a Cephes-style polynomial of exactly rounded operations, the same in
    // the vector and the scalar code, and lane sums are added in lane order.
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f;
    private static final float EXP_MIN = -87.0f;
    private static final float EXP_MAX = 88.0f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    static FloatVector exp(FloatVector x) {
        VectorMask<Float> underflow = x.lt(EXP_MIN);
        FloatVector c = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector n = c.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = c.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
        FloatVector p = r.mul(P0).add(P1).mul(r).add(P2).mul(r).add(P3).mul(r).add(P4).mul(r).add(P5);
        p = p.mul(r.mul(r)).add(r).add(1f);
        // n + 127 + 2^23 holds the integer n + 127 in its low mantissa bits; shifted into the exponent it is 2^n.
        FloatVector scale = n.add(127f + 8388608f).reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(scale).blend(0f, underflow);
    }

    static float exp(float x) {
        if (x < EXP_MIN) {
            return 0f;
        }
        float c = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float n = c * LOG2E + ROUND - ROUND;
        float r = c - n * LN2_HI - n * LN2_LO;
        float p = ((((P0 * r + P1) * r + P2) * r + P3) * r + P4) * r + P5;
        p = p * (r * r) + r + 1f;
        return p * Float.intBitsToFloat(Float.floatToRawIntBits(n + (127f + 8388608f)) << 23);
    }

    /** tanh(u) = 1 - 2 / (exp(2u) + 1), with u clamped to [-10, 10] (where tanh is +-1 in float). */
    static FloatVector tanh(FloatVector u) {
        FloatVector e = exp(u.max(-10f).min(10f).mul(2f));
        return FloatVector.broadcast(F, 1f).div(e.add(1f)).mul(-2f).add(1f);
    }

    static float tanh(float u) {
        float e = exp(Math.min(Math.max(u, -10f), 10f) * 2f);
        return 1f / (e + 1f) * -2f + 1f;
    }

    /** The lanes' sum, added in lane order. */
    static float sum(FloatVector v) {
        float[] lanes = v.toArray();
        float s = 0f;
        for (float x : lanes) {
            s += x;
        }
        return s;
    }


    /** The array's memory, positioned so that element i of the array is at byte {@code 4 * i}. */
    static ByteBuffer bytes(INDArray a) {
        ByteBuffer b = a.data().asNio().order(NATIVE);
        long off = a.offset() * 4L;
        if (off == 0) {
            return b;
        }
        return b.slice((int) off, b.capacity() - (int) off).order(NATIVE);
    }

    private static FloatVector load(ByteBuffer b, int i) {
        return FloatVector.fromByteBuffer(F, b, 4 * i, NATIVE);
    }

    private static void store(FloatVector v, ByteBuffer b, int i) {
        v.intoByteBuffer(b, 4 * i, NATIVE);
    }

    /** y = 0.5 x (1 + t) with t = tanh(K (x + A x^3)); t is kept for the backward pass. */
    static void geluNewForward(INDArray x, INDArray y, INDArray t) {
        ByteBuffer bx = bytes(x);
        ByteBuffer by = bytes(y);
        ByteBuffer bt = bytes(t);
        int n = (int) x.length();
        int i = 0;
        for (int up = F.loopBound(n); i < up; i += L) {
            FloatVector v = load(bx, i);
            FloatVector u = v.mul(v).fma(A, 1f).mul(v).mul(K);
            FloatVector th = tanh(u);
            store(th, bt, i);
            store(th.add(1f).mul(v).mul(0.5f), by, i);
        }
        for (; i < n; i++) {
            float v = bx.getFloat(4 * i);
            float th = tanh(K * v * (1f + A * v * v));
            bt.putFloat(4 * i, th);
            by.putFloat(4 * i, 0.5f * v * (1f + th));
        }
    }

    /** dx = dy (0.5 (1 + t) + 0.5 x (1 - t^2) K (1 + 3 A x^2)); dx may be dy. */
    static void geluNewBackward(INDArray x, INDArray t, INDArray dy, INDArray dx) {
        ByteBuffer bx = bytes(x);
        ByteBuffer bt = bytes(t);
        ByteBuffer bdy = bytes(dy);
        ByteBuffer bdx = bytes(dx);
        int n = (int) x.length();
        int i = 0;
        for (int up = F.loopBound(n); i < up; i += L) {
            FloatVector v = load(bx, i);
            FloatVector th = load(bt, i);
            FloatVector du = v.mul(v).fma(3 * A, 1f).mul(K);
            FloatVector sech2 = th.mul(th).neg().add(1f);
            FloatVector g = sech2.mul(du).mul(v).add(th).add(1f).mul(0.5f);
            store(g.mul(load(bdy, i)), bdx, i);
        }
        for (; i < n; i++) {
            float v = bx.getFloat(4 * i);
            float th = bt.getFloat(4 * i);
            float g = 0.5f * (1f + th + (1f - th * th) * K * (1f + 3 * A * v * v) * v);
            bdx.putFloat(4 * i, g * bdy.getFloat(4 * i));
        }
    }

    /**
     * In place on scores [B, H, T, S]: softmax over S of {@code scale * scores + mask}, with mask [B, 1, T, S] shared
     * by the heads.
     */
    static void maskedSoftmax(INDArray scores, INDArray mask, float scale) {
        ByteBuffer bs = bytes(scores);
        ByteBuffer bm = bytes(mask);
        int batch = (int) scores.size(0);
        int heads = (int) scores.size(1);
        int time = (int) scores.size(2);
        int s = (int) scores.size(3);
        int up = F.loopBound(s);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < time; t++) {
                    int row = ((b * heads + h) * time + t) * s;
                    int mrow = (b * time + t) * s;
                    FloatVector maxV = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
                    int j = 0;
                    for (; j < up; j += L) {
                        FloatVector v = load(bs, row + j).mul(scale).add(load(bm, mrow + j));
                        store(v, bs, row + j);
                        maxV = maxV.max(v);
                    }
                    float max = maxV.reduceLanes(VectorOperators.MAX);
                    for (; j < s; j++) {
                        float v = bs.getFloat(4 * (row + j)) * scale + bm.getFloat(4 * (mrow + j));
                        bs.putFloat(4 * (row + j), v);
                        max = Math.max(max, v);
                    }
                    scaleRow(bs, row, s, 1f / expShifted(bs, row, s, max));
                }
            }
        }
    }

    /** In place on dProbs [.., S]: dScores = scale * P * (dP - sum(dP * P)) per row. */
    static void softmaxBackward(INDArray probs, INDArray dProbs, float scale) {
        ByteBuffer bp = bytes(probs);
        ByteBuffer bd = bytes(dProbs);
        int s = (int) probs.size(probs.rank() - 1);
        int rows = (int) (probs.length() / s);
        int up = F.loopBound(s);
        for (int r = 0; r < rows; r++) {
            int row = r * s;
            FloatVector dotV = FloatVector.zero(F);
            int j = 0;
            for (; j < up; j += L) {
                dotV = load(bd, row + j).fma(load(bp, row + j), dotV);
            }
            float dot = sum(dotV);
            for (; j < s; j++) {
                dot += bd.getFloat(4 * (row + j)) * bp.getFloat(4 * (row + j));
            }
            j = 0;
            for (; j < up; j += L) {
                store(load(bd, row + j).sub(dot).mul(load(bp, row + j)).mul(scale), bd, row + j);
            }
            for (; j < s; j++) {
                int at = 4 * (row + j);
                bd.putFloat(at, (bd.getFloat(at) - dot) * bp.getFloat(at) * scale);
            }
        }
    }

    /**
     * Row-wise LayerNorm of x [N, C]: writes xhat = (x - mean) * rstd, rstd [N] and y = xhat * gamma + beta.
     */
    static void layerNormForward(INDArray x, INDArray gamma, INDArray beta, float eps, INDArray xhat, INDArray rstd,
                                 INDArray y) {
        ByteBuffer bx = bytes(x);
        ByteBuffer bxh = bytes(xhat);
        ByteBuffer br = bytes(rstd);
        ByteBuffer by = bytes(y);
        ByteBuffer bg = bytes(gamma);
        ByteBuffer bb = bytes(beta);
        int n = (int) x.rows();
        int c = (int) x.columns();
        int up = F.loopBound(c);
        for (int r = 0; r < n; r++) {
            int row = r * c;
            FloatVector sumV = FloatVector.zero(F);
            int j = 0;
            for (; j < up; j += L) {
                sumV = sumV.add(load(bx, row + j));
            }
            float sum = sum(sumV);
            for (; j < c; j++) {
                sum += bx.getFloat(4 * (row + j));
            }
            float mean = sum / c;
            FloatVector sqV = FloatVector.zero(F);
            j = 0;
            for (; j < up; j += L) {
                FloatVector d = load(bx, row + j).sub(mean);
                sqV = d.fma(d, sqV);
            }
            float sq = sum(sqV);
            for (; j < c; j++) {
                float d = bx.getFloat(4 * (row + j)) - mean;
                sq += d * d;
            }
            float rs = (float) (1.0 / Math.sqrt(sq / c + eps));
            br.putFloat(4 * r, rs);
            j = 0;
            for (; j < up; j += L) {
                FloatVector xh = load(bx, row + j).sub(mean).mul(rs);
                store(xh, bxh, row + j);
                store(xh.fma(load(bg, j), load(bb, j)), by, row + j);
            }
            for (; j < c; j++) {
                float xh = (bx.getFloat(4 * (row + j)) - mean) * rs;
                bxh.putFloat(4 * (row + j), xh);
                by.putFloat(4 * (row + j), xh * bg.getFloat(4 * j) + bb.getFloat(4 * j));
            }
        }
    }

    /**
     * dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) with dxhat = dy * gamma; adds the column sums of
     * dy * xhat to dGamma and of dy to dBeta. dx may be dy.
     */
    static void layerNormBackward(INDArray dy, INDArray xhat, INDArray rstd, INDArray gamma, INDArray dGamma,
                                  INDArray dBeta, INDArray dx) {
        ByteBuffer bdy = bytes(dy);
        ByteBuffer bxh = bytes(xhat);
        ByteBuffer br = bytes(rstd);
        ByteBuffer bdx = bytes(dx);
        float[] g = new float[(int) gamma.length()];
        bytes(gamma).asFloatBuffer().get(g);
        int n = (int) dy.rows();
        int c = (int) dy.columns();
        float[] dg = new float[c];
        float[] db = new float[c];
        int up = F.loopBound(c);
        for (int r = 0; r < n; r++) {
            int row = r * c;
            FloatVector m1V = FloatVector.zero(F);
            FloatVector m2V = FloatVector.zero(F);
            int j = 0;
            for (; j < up; j += L) {
                FloatVector d = load(bdy, row + j);
                FloatVector xh = load(bxh, row + j);
                FloatVector dxh = d.mul(FloatVector.fromArray(F, g, j));
                m1V = m1V.add(dxh);
                m2V = dxh.fma(xh, m2V);
                d.fma(xh, FloatVector.fromArray(F, dg, j)).intoArray(dg, j);
                d.add(FloatVector.fromArray(F, db, j)).intoArray(db, j);
            }
            float m1 = sum(m1V);
            float m2 = sum(m2V);
            for (; j < c; j++) {
                float d = bdy.getFloat(4 * (row + j));
                float xh = bxh.getFloat(4 * (row + j));
                m1 += d * g[j];
                m2 += d * g[j] * xh;
                dg[j] += d * xh;
                db[j] += d;
            }
            m1 /= c;
            m2 /= c;
            float rs = br.getFloat(4 * r);
            j = 0;
            for (; j < up; j += L) {
                FloatVector dxh = load(bdy, row + j).mul(FloatVector.fromArray(F, g, j));
                store(dxh.sub(m1).sub(load(bxh, row + j).mul(m2)).mul(rs), bdx, row + j);
            }
            for (; j < c; j++) {
                float dxh = bdy.getFloat(4 * (row + j)) * g[j];
                bdx.putFloat(4 * (row + j), (dxh - m1 - bxh.getFloat(4 * (row + j)) * m2) * rs);
            }
        }
        addTo(dGamma, dg);
        addTo(dBeta, db);
    }

    /**
     * Row-wise softmax of logits [N, V] in place; returns each row's log-sum-exp (max + log(sum(exp(x - max)))).
     */
    static double[] softmaxRows(INDArray logits) {
        ByteBuffer bl = bytes(logits);
        int n = (int) logits.rows();
        int v = (int) logits.columns();
        int up = F.loopBound(v);
        double[] logZ = new double[n];
        for (int r = 0; r < n; r++) {
            int row = r * v;
            FloatVector maxV = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            int j = 0;
            for (; j < up; j += L) {
                maxV = maxV.max(load(bl, row + j));
            }
            float max = maxV.reduceLanes(VectorOperators.MAX);
            for (; j < v; j++) {
                max = Math.max(max, bl.getFloat(4 * (row + j)));
            }
            float sum = expShifted(bl, row, v, max);
            scaleRow(bl, row, v, 1f / sum);
            logZ[r] = max + StrictMath.log(sum);
        }
        return logZ;
    }

    /** x[n, c] += row[c], in place. */
    static void addRowVector(INDArray x, INDArray row) {
        ByteBuffer bx = bytes(x);
        ByteBuffer br = bytes(row);
        int c = (int) row.length();
        int n = (int) (x.length() / c);
        int up = F.loopBound(c);
        for (int r = 0; r < n; r++) {
            int at = r * c;
            int j = 0;
            for (; j < up; j += L) {
                store(load(bx, at + j).add(load(br, j)), bx, at + j);
            }
            for (; j < c; j++) {
                bx.putFloat(4 * (at + j), bx.getFloat(4 * (at + j)) + br.getFloat(4 * j));
            }
        }
    }

    /** out = a + b element-wise (out may be a or b). */
    static void add(INDArray a, INDArray b, INDArray out) {
        ByteBuffer ba = bytes(a);
        ByteBuffer bb = bytes(b);
        ByteBuffer bo = bytes(out);
        int n = (int) a.length();
        int i = 0;
        for (int up = F.loopBound(n); i < up; i += L) {
            store(load(ba, i).add(load(bb, i)), bo, i);
        }
        for (; i < n; i++) {
            bo.putFloat(4 * i, ba.getFloat(4 * i) + bb.getFloat(4 * i));
        }
    }

    /** Replaces a row's x by exp(x - max) and returns their sum. */
    private static float expShifted(ByteBuffer b, int row, int n, float max) {
        FloatVector sumV = FloatVector.zero(F);
        int j = 0;
        for (int up = F.loopBound(n); j < up; j += L) {
            FloatVector e = exp(load(b, row + j).sub(max));
            store(e, b, row + j);
            sumV = sumV.add(e);
        }
        float sum = sum(sumV);
        for (; j < n; j++) {
            float e = exp(b.getFloat(4 * (row + j)) - max);
            b.putFloat(4 * (row + j), e);
            sum += e;
        }
        return sum;
    }

    private static void scaleRow(ByteBuffer b, int row, int n, float f) {
        int j = 0;
        for (int up = F.loopBound(n); j < up; j += L) {
            store(load(b, row + j).mul(f), b, row + j);
        }
        for (; j < n; j++) {
            b.putFloat(4 * (row + j), b.getFloat(4 * (row + j)) * f);
        }
    }

    private static void addTo(INDArray target, float[] values) {
        ByteBuffer bt = bytes(target);
        for (int j = 0; j < values.length; j++) {
            bt.putFloat(4 * j, bt.getFloat(4 * j) + values[j]);
        }
    }
}
