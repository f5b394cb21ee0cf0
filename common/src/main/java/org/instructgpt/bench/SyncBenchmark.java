package org.instructgpt.bench;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.instructgpt.train.FloatBytes.toBytes;
import static org.instructgpt.train.FloatBytes.view;

/**
 * What one synchronisation round of data-parallel training costs without the computation: the driver broadcasts P
 * parameters, every partition returns a gradient of P floats, and the driver ends with their sum. Six ways of
 * summing are timed on the same round:
 * <ul>
 *   <li>{@code ordered}: the trainer's way ({@code DataParallelTrainer}) — every partition's gradient is collected to
 *   the driver as little-endian bytes and summed there in partition order, so the sum has the same bits whichever task
 *   finished first or was retried;</li>
 *   <li>{@code tree}: MLlib's way, {@code treeAggregate} (depth 2), the final merge on the driver as results arrive;</li>
 *   <li>{@code tree-exec}: {@code treeAggregate} with its final merge on an executor, one sum to the driver;</li>
 *   <li>{@code grouped}: a deterministic tree — partitions shuffled in groups of {@link #GROUP} by their index, each
 *   group summed on an executor in partition order, the group sums collected and summed on the driver in group order:
 *   the ordered sum's reproducibility with about 1/GROUP of its bytes into the driver;</li>
 *   <li>{@code barrier}: no job per round — one barrier job whose tasks run every round, exchanging gradients with
 *   {@code BarrierTaskContext.allGather} (messages in partition order) and each summing them in partition order, so
 *   every task holds the ordered sum's bits. The time is the job's divided by its {@link #JOB_ROUNDS} rounds.</li>
 *   <li>{@code endpoint}: no job per round either — one ordinary job whose tasks exchange gradients with a socket on
 *   the driver, which sums them in partition order ({@link DriverExchangeRounds}; the trainer's own exchange,
 *   {@code DriverExchange}, works this way and adds retried tasks). The job's time over its rounds.</li>
 * </ul>
 * A partition's "gradient" is the broadcast vector times a factor of its own, so the sums differ by partition and the
 * order of addition shows in their bits; {@link Result#treeMatchesOrdered} says whether it did.
 */
public final class SyncBenchmark {
    /** Partitions per group in the grouped round. */
    static final int GROUP = 4;

    /** Median seconds of each phase for P parameters over n partitions, and what crossed the network. */
    public record Result(long parameters, int partitions, double broadcastSeconds, double orderedSeconds,
                         double treeSeconds, double treeOnExecutorSeconds, double groupedSeconds,
                         double barrierSeconds, double endpointSeconds, boolean treeMatchesOrdered,
                         boolean treeRepeatable, boolean groupedRepeatable, boolean barrierMatchesOrdered,
                         boolean endpointMatchesOrdered) {
        /** Bytes one round sends out from the driver (the broadcast; torrent blocks then spread between executors). */
        public long broadcastBytes() {
            return 4 * parameters;
        }

        /** Bytes the driver receives in the ordered round: every partition's gradient. */
        public long orderedDriverBytes() {
            return 4 * parameters * partitions;
        }

        /** Bytes the driver receives in the grouped round: one sum per group. */
        public long groupedDriverBytes() {
            return 4 * parameters * ((partitions + GROUP - 1) / GROUP);
        }
    }

    private SyncBenchmark() {
    }

    /**
     * {@code warmup} untimed rounds, then {@code rounds} rounds, each timing the broadcast alone and the three sums
     * one after the other (alternating, so a noisy moment hits them alike); medians.
     */
    /**
     * Rounds inside each barrier and endpoint job. Fixed rather than {@code rounds}: with it, 20 rounds ran 400 barrier
     * syncs of about 0.7 s each, five minutes a size, which looked like a hang.
     */
    static final int JOB_ROUNDS = 5;

    public static Result run(JavaSparkContext sc, long parameters, int partitions, int warmup, int rounds, long seed) {
        if (parameters * 4 > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException(parameters + " parameters do not fit one Java byte array (at most "
                    + (Integer.MAX_VALUE / 4 - 16) + ")");
        }
        float[] params = randomFloats((int) parameters, seed);
        JavaRDD<Integer> parts = sc.parallelize(IntStream.range(0, partitions).boxed().toList(), partitions);
        double[][] times = new double[7][rounds];
        boolean matches = true;
        boolean repeatable = true;
        boolean groupedRepeatable = true;
        float[] firstTree = null;
        float[] firstGrouped = null;
        boolean barrierMatches = true;
        boolean endpointMatches = true;
        for (int r = -warmup; r < rounds; r++) {
            long t0 = System.nanoTime();
            broadcastOnly(sc, parts, params);
            long t1 = System.nanoTime();
            float[] ordered = ordered(sc, parts, params);
            long t2 = System.nanoTime();
            float[] tree = tree(sc, parts, params, false);
            long t3 = System.nanoTime();
            tree(sc, parts, params, true);
            long t4 = System.nanoTime();
            float[] grouped = grouped(sc, parts, params);
            long t5 = System.nanoTime();
            firstGrouped = firstGrouped == null ? grouped : firstGrouped;
            // A barrier stage needs a slot for every task at once.
            double barrierRound = Double.NaN;
            double endpointRound = Double.NaN;
            if (partitions <= sc.defaultParallelism()) {
                long t6 = System.nanoTime();
                barrierMatches &= Arrays.equals(ordered, barrier(sc, parts, params, JOB_ROUNDS));
                long t7 = System.nanoTime();
                endpointMatches &= Arrays.equals(ordered, DriverExchangeRounds.run(sc, parts, params, JOB_ROUNDS));
                barrierRound = (t7 - t6) / 1e9 / JOB_ROUNDS;
                endpointRound = (System.nanoTime() - t7) / 1e9 / JOB_ROUNDS;
            }
            groupedRepeatable &= Arrays.equals(firstGrouped, grouped);
            matches &= Arrays.equals(ordered, tree);
            if (firstTree == null) {
                firstTree = tree;
            } else {
                repeatable &= Arrays.equals(firstTree, tree);
            }
            if (r >= 0) {
                times[0][r] = (t1 - t0) / 1e9;
                times[1][r] = (t2 - t1) / 1e9;
                times[2][r] = (t3 - t2) / 1e9;
                times[3][r] = (t4 - t3) / 1e9;
                times[4][r] = (t5 - t4) / 1e9;
                times[5][r] = barrierRound;
                times[6][r] = endpointRound;
            }
        }
        return new Result(parameters, partitions, median(times[0]), median(times[1]), median(times[2]), median(times[3]),
                median(times[4]), median(times[5]), median(times[6]), matches, repeatable, groupedRepeatable,
                barrierMatches, endpointMatches);
    }

    /** The broadcast reaching every partition, nothing sent back. */
    static void broadcastOnly(JavaSparkContext sc, JavaRDD<Integer> parts, float[] params) {
        Broadcast<byte[]> b = sc.broadcast(toBytes(params));
        try {
            parts.map(i -> b.value().length).collect();
        } finally {
            b.destroy();
        }
    }

    /** The trainer's round: gradients collected as bytes, summed on the driver in partition order. */
    static float[] ordered(JavaSparkContext sc, JavaRDD<Integer> parts, float[] params) {
        Broadcast<byte[]> b = sc.broadcast(toBytes(params));
        try {
            return inOrder(parts.map(i -> new Gradient(i, toBytes(gradient(b.value(), i)))).collect(), params.length);
        } finally {
            b.destroy();
        }
    }

    /**
     * MLlib's round: {@code treeAggregate}, depth 2. The zero is an empty array rather than P zeros, which Spark would
     * otherwise ship inside every task (MLlib pays that; the peer is measured at its best).
     */
    static float[] tree(JavaSparkContext sc, JavaRDD<Integer> parts, float[] params, boolean finalOnExecutor) {
        Broadcast<byte[]> b = sc.broadcast(toBytes(params));
        try {
            return parts.map(i -> gradient(b.value(), i)).treeAggregate(new float[0], SyncBenchmark::add,
                    SyncBenchmark::add, 2, finalOnExecutor);
        } finally {
            b.destroy();
        }
    }

    /** The grouped round: group sums in partition order on the executors, then their sum in group order. */
    static float[] grouped(JavaSparkContext sc, JavaRDD<Integer> parts, float[] params) {
        Broadcast<byte[]> b = sc.broadcast(toBytes(params));
        int groups = (parts.getNumPartitions() + GROUP - 1) / GROUP;
        int n = params.length;
        try {
            List<Gradient> sums = parts
                    .mapToPair(i -> new scala.Tuple2<>(i / GROUP, new Gradient(i, toBytes(gradient(b.value(), i)))))
                    .groupByKey(groups)
                    .map(g -> {
                        List<Gradient> members = new ArrayList<>();
                        g._2().forEach(members::add);
                        return new Gradient(g._1(), toBytes(inOrder(members, n)));
                    }).collect();
            return inOrder(sums, n);
        } finally {
            b.destroy();
        }
    }

    /**
     * {@code rounds} rounds in one barrier job: each task sends its gradient to all others through allGather (bytes
     * carried as an ISO-8859-1 string, one char a byte) and sums them in partition order; partition 0's last sum.
     */
    static float[] barrier(JavaSparkContext sc, JavaRDD<Integer> parts, float[] params, int rounds) {
        Broadcast<byte[]> b = sc.broadcast(toBytes(params));
        int n = params.length;
        try {
            List<float[]> result = parts.rdd().barrier().mapPartitions(new BarrierRounds(b, n, rounds), false,
                    scala.reflect.ClassTag$.MODULE$.apply(float[].class)).toJavaRDD().collect();
            return result.get(0);
        } finally {
            b.destroy();
        }
    }

    /**
     * A barrier task's rounds (a Scala function: Spark 3.5's {@code mapPartitionsWithEvaluator} does not make its
     * stage a barrier stage, so {@code BarrierTaskContext.get()} fails there).
     */
    private static final class BarrierRounds
            extends scala.runtime.AbstractFunction1<scala.collection.Iterator<Integer>, scala.collection.Iterator<float[]>>
            implements java.io.Serializable {
        private final Broadcast<byte[]> params;
        private final int n;
        private final int rounds;

        BarrierRounds(Broadcast<byte[]> params, int n, int rounds) {
            this.params = params;
            this.n = n;
            this.rounds = rounds;
        }

        @Override
        public scala.collection.Iterator<float[]> apply(scala.collection.Iterator<Integer> rows) {
            BarrierTaskContext ctx = BarrierTaskContext.get();
            int index = ctx.partitionId();
            float[] sum = null;
            for (int r = 0; r < rounds; r++) {
                String mine = new String(toBytes(gradient(params.value(), index)), StandardCharsets.ISO_8859_1);
                sum = new float[n];
                for (String g : ctx.allGather(mine)) {
                    addInto(sum, g.getBytes(StandardCharsets.ISO_8859_1));
                }
            }
            List<float[]> out = index == 0 ? List.of(sum) : List.of();
            return scala.collection.JavaConverters.asScalaIterator(out.iterator());
        }
    }

    /** The sum of {@code parts} added in the order of their index, whatever order they arrived in. */
    static float[] inOrder(List<Gradient> parts, int n) {
        List<Gradient> sorted = new ArrayList<>(parts);
        sorted.sort(Comparator.comparingInt(Gradient::partition));
        float[] sum = new float[n];
        for (Gradient g : sorted) {
            addInto(sum, g.bytes());
        }
        return sum;
    }

    static void addInto(float[] sum, byte[] bytes) {
        FloatBuffer f = view(bytes);
        for (int k = 0; k < sum.length; k++) {
            sum[k] += f.get(k);
        }
    }

    /** a + b into a; an empty array is the zero. Both are fresh arrays of this round, so neither is copied. */
    static float[] add(float[] a, float[] b) {
        if (a.length == 0) {
            return b;
        }
        if (b.length == 0) {
            return a;
        }
        for (int k = 0; k < a.length; k++) {
            a[k] += b[k];
        }
        return a;
    }

    /** Partition i's stand-in gradient: the parameters times 1 + i/7 (differs by partition, costs one pass). */
    static float[] gradient(byte[] paramBytes, int partition) {
        FloatBuffer p = view(paramBytes);
        float[] g = new float[p.limit()];
        float f = 1f + partition / 7f;
        for (int k = 0; k < g.length; k++) {
            g[k] = p.get(k) * f;
        }
        return g;
    }

    /** A partition's gradient as it travels in the ordered round. */
    record Gradient(int partition, byte[] bytes) implements java.io.Serializable {
    }

    static float[] randomFloats(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) (rng.nextDouble() * 2 - 1);
        }
        return v;
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Every size and partition count of {@code instructgpt.bench.sync}, in that order. */
    public static List<Result> sweep(JavaSparkContext sc, List<Long> parameters, List<Integer> partitions, int warmup,
                                     int rounds, long seed) {
        List<Result> out = new ArrayList<>();
        for (long p : parameters) {
            for (int n : partitions) {
                out.add(run(sc, p, n, warmup, rounds, seed));
            }
        }
        return Collections.unmodifiableList(out);
    }
}
