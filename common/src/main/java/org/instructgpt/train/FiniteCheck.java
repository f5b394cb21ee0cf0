package org.instructgpt.train;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.instructgpt.model.cpu.VectorSupport;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * Where a partition's gradient first holds a NaN or an infinity. Every shard checks its gradient before sending it;
 * element by element through a byte view that took 1.2 ms at 0.84M parameters (twice a PPO step, on the task's
 * critical path), in blocks with vectors 0.27 ms.
 */
final class FiniteCheck {
    private static final int BLOCK = 8192;

    private FiniteCheck() {
    }

    /** The index of the first non-finite entry of {@code a}, or -1. */
    static long firstNonFinite(INDArray a) {
        if (!FloatBytes.direct(a)) {
            float[] v = a.toFloatVector();
            return firstIn(v, 0, v.length, 0);
        }
        FloatBuffer f = FloatBytes.floats(a);
        float[] block = new float[(int) Math.min(BLOCK, f.limit())];
        for (int from = 0; from < f.limit(); from += block.length) {
            int n = Math.min(block.length, f.limit() - from);
            f.get(from, block, 0, n);
            if (!VectorSupport.available() || !allFinite(block, n)) {
                long at = firstIn(block, 0, n, from);
                if (at >= 0) {
                    return at;
                }
            }
        }
        return -1;
    }

    private static long firstIn(float[] v, int from, int to, long offset) {
        for (int i = from; i < to; i++) {
            if (!Float.isFinite(v[i])) {
                return offset + i;
            }
        }
        return -1;
    }

    /** |x| <= MAX_VALUE is false for infinities and NaN alike. */
    private static boolean allFinite(float[] v, int n) {
        VectorSpecies<Float> s = FloatVector.SPECIES_PREFERRED;
        int i = 0;
        for (int up = s.loopBound(n); i < up; i += s.length()) {
            if (!FloatVector.fromArray(s, v, i).abs().compare(VectorOperators.LE, Float.MAX_VALUE).allTrue()) {
                return false;
            }
        }
        return firstIn(v, i, n, 0) < 0;
    }
}
