package org.instructgpt.bench;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.instructgpt.SparkTestSession;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyncBenchmarkTest {
    private static JavaSparkContext sc() {
        return JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    }

    /** The sum of the partitions' stand-in gradients, added in partition order in double and rounded once. */
    private static float[] expected(float[] params, int partitions) {
        float[] out = new float[params.length];
        for (int k = 0; k < params.length; k++) {
            double s = 0;
            for (int i = 0; i < partitions; i++) {
                s += params[k] * (1f + i / 7f);
            }
            out[k] = (float) s;
        }
        return out;
    }

    @Test
    void everyWayOfSummingGivesTheSumOfThePartitionsGradients() {
        float[] params = SyncBenchmark.randomFloats(5000, 3);
        JavaRDD<Integer> parts = sc().parallelize(List.of(0, 1, 2, 3, 4), 5);
        float[] want = expected(params, 5);
        float[] ordered = SyncBenchmark.ordered(sc(), parts, params);
        assertArrayEquals(want, ordered, 1e-5f);
        assertArrayEquals(want, SyncBenchmark.tree(sc(), parts, params, false), 1e-5f);
        assertArrayEquals(want, SyncBenchmark.tree(sc(), parts, params, true), 1e-5f);
        float[] grouped = SyncBenchmark.grouped(sc(), parts, params);
        assertArrayEquals(want, grouped, 1e-5f);
        assertArrayEquals(grouped, SyncBenchmark.grouped(sc(), parts, params));
        // The barrier round sums in partition order too: the ordered sum's very bits (as many partitions as slots).
        JavaRDD<Integer> two = sc().parallelize(List.of(0, 1), 2);
        assertArrayEquals(SyncBenchmark.ordered(sc(), two, params), SyncBenchmark.barrier(sc(), two, params, 3));
        // So does the driver's socket, over rounds inside one job.
        assertArrayEquals(SyncBenchmark.ordered(sc(), two, params), DriverExchangeRounds.run(sc(), two, params, 3));
        // The ordered sum is the same bits every time: the trainer's determinism rests on it.
        assertArrayEquals(ordered, SyncBenchmark.ordered(sc(), parts, params));
    }

    @Test
    void aRunReportsMediansAndTheBytesThatCrossed() {
        SyncBenchmark.Result r = SyncBenchmark.run(sc(), 2000, 2, 0, 3, 1);
        assertEquals(8000, r.broadcastBytes());
        assertEquals(16000, r.orderedDriverBytes());
        assertEquals(8000, r.groupedDriverBytes());
        assertTrue(r.groupedRepeatable());
        assertTrue(r.orderedSeconds() > 0 && r.treeSeconds() > 0 && r.treeOnExecutorSeconds() > 0 && r.broadcastSeconds() > 0);
        // Two gradients: float addition is commutative, so any order gives the ordered sum's bits.
        assertTrue(r.treeMatchesOrdered());
        assertTrue(r.treeRepeatable());
    }

    @Test
    void refusesSizesBeyondOneArray() {
        assertThrows(IllegalArgumentException.class, () -> SyncBenchmark.run(sc(), 600_000_000L, 2, 0, 1, 1));
    }

    @Test
    void medianOfEvenAndOdd() {
        assertEquals(2.0, SyncBenchmark.median(new double[]{3, 1, 2}));
        assertEquals(2.5, SyncBenchmark.median(new double[]{4, 1, 2, 3}));
    }
}
