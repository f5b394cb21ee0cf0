package org.instructgpt.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Steps of one or more trainers (sharing their data) as a single Spark job: its tasks stay up and trade gradients for
 * parameters with the driver through a {@link DriverExchange}, so a step costs a round trip on a socket instead of a
 * job, a broadcast and a collect. The driver sums and applies each step exactly as
 * {@link DataParallelTrainer#runTogether(List)} does. With several trainers (PPO's policy and value model) it is a
 * pipeline: a trainer's next parameters are sent as soon as its step is applied, while the tasks compute the next
 * trainer's share, so only the last trainer's exchange is not hidden behind computation.
 */
final class SocketSteps {
    /** How far the exchange got: all the steps, or {@code done} of them before it stalled (then why). */
    record Outcome(int done, String stalled) {
    }

    private SocketSteps() {
    }

    /**
     * Runs {@code steps} steps. If the exchange stalls in the middle of a step, the trainers not yet stepped take
     * that step as a Spark job each (the same result), so every trainer has taken {@code done} steps.
     */
    static <E extends Serializable> Outcome run(List<DataParallelTrainer<E>> trainers, int steps,
                                                Consumer<List<DataParallelTrainer.StepResult>> each) {
        DataParallelTrainer<E> first = trainers.get(0);
        int n = trainers.size();
        DataParallelTrainer.StepResult[] results = new DataParallelTrainer.StepResult[n];
        // Each trainer's parameter bytes and gradient sum are reused from step to step: at 3.4 MB apiece (0.84M
        // parameters) fresh ones are humongous objects for G1, and the driver shares the cores with the tasks.
        byte[][] paramBytes = new byte[n][];
        float[][] sums = new float[n][];
        int done = 0;
        int k = 0;
        String stalled = null;
        try (DriverExchange ex = new DriverExchange(first.sparkContext(), first.exchange(), first.data().partitions(), n)) {
            List<ExchangeTask.Shard<E>> shards = new ArrayList<>(n);
            trainers.forEach(t -> shards.add(t.shardOf()));
            ExchangeTask<E> task = new ExchangeTask<>(ex.address(), List.copyOf(shards));
            ex.start(() -> first.data().rdd().foreachPartitionAsync(task));
            for (k = 0; k < n; k++) {
                send(ex, trainers, k, paramBytes);
                sums[k] = new float[(int) trainers.get(k).model().params().flat().length()];
            }
            try {
                for (; done < steps; done++) {
                    long start = System.nanoTime();
                    for (k = 0; k < n; k++) {
                        DataParallelTrainer<E> t = trainers.get(k);
                        StepSum sum = t.newSum(sums[k]);
                        ex.receive(k, sum);
                        results[k] = t.apply(sum);
                        if (done + 1 < steps) {
                            send(ex, trainers, k, paramBytes);
                        }
                    }
                    each.accept(sharingOverhead(results, start));
                }
                // The final parameters travel to the tasks, which keep them on their executors for the next job.
                long[] versions = new long[n];
                for (k = 0; k < n; k++) {
                    DataParallelTrainer<E> t = trainers.get(k);
                    paramBytes[k] = FloatBytes.toBytes(t.model().params().flat(), paramBytes[k]);
                    versions[k] = t.step();
                }
                ex.finish(paramBytes, versions);
            } catch (DriverExchange.Stalled e) {
                stalled = e.getMessage();
            }
        }
        if (stalled != null && k > 0) {
            // The stall struck in the middle of a step: the trainers before k have taken it, the others take it now.
            long start = System.nanoTime();
            for (int j = k; j < n; j++) {
                results[j] = DataParallelTrainer.runTogether(List.of(trainers.get(j))).get(0);
            }
            each.accept(sharingOverhead(results, start));
            done++;
        }
        return new Outcome(done, stalled);
    }

    private static <E extends Serializable> void send(DriverExchange ex, List<DataParallelTrainer<E>> trainers, int k,
                                                      byte[][] paramBytes) {
        DataParallelTrainer<E> t = trainers.get(k);
        paramBytes[k] = FloatBytes.toBytes(t.model().params().flat(), paramBytes[k]);
        ex.send(k, t.step(), paramBytes[k]);
    }

    private static List<DataParallelTrainer.StepResult> sharingOverhead(DataParallelTrainer.StepResult[] results,
                                                                        long start) {
        return DataParallelTrainer.StepResult.sharingOverhead(List.of(results), (System.nanoTime() - start) / 1e9);
    }
}
