package org.instructgpt.train;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.instructgpt.model.cpu.VectorSupport;

/**
 * The step's mean gradient, made in place from the partitions' sum on the driver's heap, and its L2 norm, in one pass.
 * As ND4J ops (a copy into the gradient's array, a divide, a norm) it was three passes and 1.2 ms at 0.84M parameters,
 * twice a PPO step, on a core the tasks need.
 */
final class MeanGradient {
    /** Squares are summed in float lanes over a block, the blocks' sums in double: the norm of 0.84M floats to ~1e-7. */
    private static final int BLOCK = 1024;

    private MeanGradient() {
    }

    /**
     * Divides every entry of {@code g} by {@code weight} (as a float division, as ND4J's {@code divi} does) and returns
     * the L2 norm of the result, on {@code threads} threads (0: the cores). The same bits for the same input in every
     * JVM with the same vector width and at every thread count: each block's lanes are added in a fixed order (never by
     * {@code reduceLanes}, whose order is unspecified), and the blocks' sums in block order.
     */
    static double divideAndNorm(float[] g, double weight, int threads) {
        float w = (float) weight;
        double[] blockSums = new double[(g.length + BLOCK - 1) / BLOCK];
        RangePool.run(g.length, BLOCK, threads, (from, to) -> divideBlocks(g, w, from, to, blockSums));
        double sumSq = 0;
        for (double b : blockSums) {
            sumSq += b;
        }
        return Math.sqrt(sumSq);
    }

    private static void divideBlocks(float[] g, float w, int rangeFrom, int rangeTo, double[] blockSums) {
        VectorSpecies<Float> s = VectorSupport.available() ? FloatVector.SPECIES_PREFERRED : null;
        float[] lanes = s == null ? null : new float[s.length()];
        for (int from = rangeFrom; from < rangeTo; from += BLOCK) {
            int to = Math.min(rangeTo, from + BLOCK);
            double sumSq = 0;
            int i = from;
            if (s != null) {
                FloatVector acc = FloatVector.zero(s);
                for (int up = from + s.loopBound(to - from); i < up; i += s.length()) {
                    FloatVector x = FloatVector.fromArray(s, g, i).div(w);
                    x.intoArray(g, i);
                    acc = acc.add(x.mul(x));
                }
                acc.intoArray(lanes, 0);
                for (float lane : lanes) {
                    sumSq += lane;
                }
            }
            for (; i < to; i++) {
                g[i] /= w;
                sumSq += g[i] * g[i];
            }
            blockSums[from / BLOCK] = sumSq;
        }
    }
}
