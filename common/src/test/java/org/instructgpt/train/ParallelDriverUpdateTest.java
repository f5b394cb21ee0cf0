package org.instructgpt.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver's update on several threads ({@link RangePool}): the same bits as on one, for AdamW from an ND4J or a
 * heap gradient, with and without a decay mask, and for the mean gradient's norm.
 */
class ParallelDriverUpdateTest {
    /** Large enough to be split, and not a multiple of the chunks, blocks or lanes. */
    private static final int N = 3 * RangePool.MIN_PARALLEL + 12_345;

    private static float[] gaussian(long seed, float scale) {
        return DriverUpdateTest.gaussian(seed, scale, N);
    }

    @Test
    void rangesCoverEveryElementOnceInWholeChunks() {
        AtomicIntegerArray seen = new AtomicIntegerArray(N);
        int[] starts = new int[N];
        RangePool.run(N, 8192, 3, (from, to) -> {
            starts[from] = 1;
            for (int i = from; i < to; i++) {
                seen.incrementAndGet(i);
            }
        });
        int ranges = 0;
        for (int i = 0; i < N; i++) {
            assertEquals(1, seen.get(i), "element " + i);
            if (starts[i] == 1) {
                ranges++;
                assertEquals(0, i % 8192, "a range starts inside a chunk at " + i);
            }
        }
        assertEquals(3, ranges);
    }

    @Test
    void anExceptionInAnotherThreadsRangeReachesTheCaller() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RangePool.run(N, 8192, 2,
                (from, to) -> {
                    if (from > 0) {
                        throw new IllegalStateException("range at " + from);
                    }
                }));
        assertTrue(e.getMessage().startsWith("range at "));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(Nd4j.zeros(DataType.FLOAT, 4), 0.9, 0.95, 1e-8,
                0, null).threads(-1));
    }

    @Test
    void adamWOnThreeThreadsOrAllCoresGivesTheBitsOfOne() {
        for (boolean masked : new boolean[]{false, true}) {
            INDArray mask = masked ? Nd4j.rand(DataType.FLOAT, N).gt(0.3).castTo(DataType.FLOAT) : null;
            INDArray start = Nd4j.createFromArray(gaussian(2, 1f));
            INDArray[] params = {start.dup(), start.dup(), start.dup()};
            AdamW[] opts = {new AdamW(params[0], 0.9, 0.95, 1e-8, 0.1, mask),
                    new AdamW(params[1], 0.9, 0.95, 1e-8, 0.1, mask).threads(3),
                    new AdamW(params[2], 0.9, 0.95, 1e-8, 0.1, mask).threads(0)};
            for (int step = 0; step < 4; step++) {
                float[] g = gaussian(10 + step, 3f);
                for (int k = 0; k < opts.length; k++) {
                    if (step % 2 == 0) {
                        opts[k].step(params[k], g.clone(), 0.7f, 1e-3);
                    } else {
                        opts[k].step(params[k], Nd4j.createFromArray(g.clone()), 1e-3);
                    }
                }
            }
            for (int k = 1; k < opts.length; k++) {
                assertArrayEquals(params[0].toFloatVector(), params[k].toFloatVector(), 0f, "parameters, masked " + masked);
                assertArrayEquals(opts[0].firstMoment().toFloatVector(), opts[k].firstMoment().toFloatVector(), 0f);
                assertArrayEquals(opts[0].secondMoment().toFloatVector(), opts[k].secondMoment().toFloatVector(), 0f);
            }
        }
    }

    @Test
    void theMeanAndItsNormOnSeveralThreadsAreTheBitsOfOne() {
        float[] sum = gaussian(5, 40f);
        float[] one = sum.clone();
        float[] three = sum.clone();
        double n1 = MeanGradient.divideAndNorm(one, 37.0, 1);
        double n3 = MeanGradient.divideAndNorm(three, 37.0, 3);
        assertArrayEquals(one, three, 0f);
        assertEquals(n1, n3, 0.0);
        double exact = 0;
        for (float x : one) {
            exact += (double) x * x;
        }
        assertEquals(Math.sqrt(exact), n1, 1e-6 * Math.sqrt(exact));
    }
}
