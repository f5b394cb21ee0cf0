package org.instructgpt.train;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
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
     * Runs {@code steps} steps over {@code data}. With {@code objectives}, the tasks first summarise their rows, and
     * the driver makes the trainers' objectives of the summaries before the first step (if the exchange stalls before
     * that, they are not made). If the exchange stalls in the middle of a step, the trainers not yet stepped take
     * that step as a Spark job each (the same result), so every trainer has taken {@code done} steps.
     */
    static <E extends Serializable, S extends Serializable> Outcome run(List<DataParallelTrainer<E>> trainers,
            ShardedData<E> data, DataDependentObjectives<E, S> objectives, int steps,
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
        try (DriverExchange ex = new DriverExchange(first.sparkContext(), first.exchange(), data.partitions(), n,
                objectives != null)) {
            ExchangeTask<E> task = objectives == null ? new ExchangeTask<>(ex.address(), shards(trainers))
                    : ExchangeTask.summarising(ex.address(), n, objectives.summary());
            ex.start(() -> data.rdd().foreachPartitionAsync(task));
            try {
                if (objectives != null) {
                    objectives.apply(trainers, data, summaries(ex));
                    ex.plan(JavaBytes.of(shards(trainers)));
                }
                for (k = 0; k < n; k++) {
                    send(ex, trainers, k, paramBytes);
                    sums[k] = new float[(int) trainers.get(k).model().params().flat().length()];
                }
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

    private static <E extends Serializable> ArrayList<ExchangeTask.Shard<E>> shards(List<DataParallelTrainer<E>> trainers) {
        ArrayList<ExchangeTask.Shard<E>> shards = new ArrayList<>(trainers.size());
        trainers.forEach(t -> shards.add(t.shardOf()));
        return shards;
    }

    @SuppressWarnings("unchecked")
    private static <S extends Serializable> List<S> summaries(DriverExchange ex) throws DriverExchange.Stalled {
        List<S> out = new ArrayList<>();
        for (byte[] b : ex.summaries()) {
            try {
                out.add((S) JavaBytes.read(b));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
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
