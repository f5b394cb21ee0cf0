package org.instructgpt.model.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Exponential, tanh and lane sums for the array engine's kernels, and host access to ND4J's CPU memory. Written by
 * hand (see below) because the Vector API's own EXP/TANH give different bits in different JIT tiers.
 */
public final class VectorMath {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private VectorMath() {
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
    private static final int TANH_CHUNK = 1024;
    private static final int L = F.length();

    // No method here takes or returns a FloatVector: C2 knows a vector's concrete class only where it was made, so a
    // vector passed to a method it did not inline is boxed and every operation on it runs the Vector API's Java
    // fallback. exp(FloatVector) compiled on its own did exactly that: 6% of a training step in the fallback, and
    // its compiled size then kept it from being inlined anywhere. So the kernels work on arrays, loop included.

    /** y[yAt + i] = exp(x[xAt + i] - shift) for i < n (y may be x); returns their sum (each tail element
     * added to the lane it would have had, then the lanes in order). */
    static float exp(float[] x, int xAt, float shift, float[] y, int yAt, int n) {
        int i = 0;
        FloatVector acc = FloatVector.zero(F);
        for (int up = F.loopBound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xAt + i).sub(shift);
            VectorMask<Float> underflow = v.lt(EXP_MIN);
            FloatVector c = v.max(EXP_MIN).min(EXP_MAX);
            FloatVector k = c.mul(LOG2E).add(ROUND).sub(ROUND);
            FloatVector r = c.sub(k.mul(LN2_HI)).sub(k.mul(LN2_LO));
            FloatVector p = r.mul(P0).add(P1).mul(r).add(P2).mul(r).add(P3).mul(r).add(P4).mul(r).add(P5);
            p = p.mul(r.mul(r)).add(r).add(1f);
            // k + 127 + 2^23 holds the integer k + 127 in its low mantissa bits; shifted into the exponent it is 2^k.
            FloatVector scale = k.add(127f + 8388608f).reinterpretAsInts().lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats();
            FloatVector e = p.mul(scale).blend(0f, underflow);
            e.intoArray(y, yAt + i);
            acc = acc.add(e);
        }
        float[] lanes = new float[L];
        acc.intoArray(lanes, 0);
        // The tail goes into the lanes its elements would have had: a row padded with -inf to whole vectors (as the
        // causal softmax pads when its buffer has room) then sums to the same bits as the row alone.
        for (int lane = 0; i < n; i++, lane++) {
            y[yAt + i] = exp(x[xAt + i] - shift);
            lanes[lane] += y[yAt + i];
        }
        return sumInOrder(lanes);
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

    /**
     * In place over a[at .. at+n): tanh(u) = 1 - 2 / (exp(2u) + 1), with u clamped to [-10, 10] (where tanh is +-1 in
     * float); in chunks that stay in L1 across the three passes.
     */
    static void tanh(float[] a, int at, int n) {
        for (int from = 0; from < n; from += TANH_CHUNK) {
            int len = Math.min(TANH_CHUNK, n - from);
            int base = at + from;
            int up = F.loopBound(len);
            int i = 0;
            for (; i < up; i += L) {
                FloatVector.fromArray(F, a, base + i).max(-10f).min(10f).mul(2f).intoArray(a, base + i);
            }
            for (; i < len; i++) {
                a[base + i] = Math.min(Math.max(a[base + i], -10f), 10f) * 2f;
            }
            exp(a, base, 0f, a, base, len);
            FloatVector one = FloatVector.broadcast(F, 1f);
            for (i = 0; i < up; i += L) {
                one.div(FloatVector.fromArray(F, a, base + i).add(1f)).mul(-2f).add(1f).intoArray(a, base + i);
            }
            for (; i < len; i++) {
                a[base + i] = 1f / (a[base + i] + 1f) * -2f + 1f;
            }
        }
    }

    static float tanh(float u) {
        float e = exp(Math.min(Math.max(u, -10f), 10f) * 2f);
        return 1f / (e + 1f) * -2f + 1f;
    }

    /** The sum of a vector's lanes (stored into {@code lanes} by the caller), added in lane order. */
    static float sumInOrder(float[] lanes) {
        float s = 0f;
        for (float x : lanes) {
            s += x;
        }
        return s;
    }

    /** The array's memory, positioned so that element i of the array is at byte {@code 4 * i}. */
    public static ByteBuffer bytes(INDArray a) {
        ByteBuffer b = a.data().asNio().order(NATIVE);
        long off = a.offset() * 4L;
        if (off == 0) {
            return b;
        }
        return b.slice((int) off, b.capacity() - (int) off).order(NATIVE);
    }
}
