package org.instructgpt.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Steps of one or more trainers (sharing their data) as a single Spark job: its tasks stay up and trade gradients for
 * parameters with the driver through a {@link DriverExchange}, so a step costs a round trip on a socket instead of a
 * job, a broadcast and a collect (0.019 against 0.062 s a round at 0.84M parameters, docs/scaling.md). The driver
 * sums and applies each step exactly as {@link DataParallelTrainer#runTogether(List)} does.
 */
final class SocketSteps {
    private SocketSteps() {
    }

    /** Runs {@code steps} steps; the number done when the exchange stalls is in the {@link DriverExchange.Stalled}. */
    static <E extends Serializable> int run(List<DataParallelTrainer<E>> trainers, int steps,
                                            Consumer<List<DataParallelTrainer.StepResult>> each)
            throws DriverExchange.Stalled {
        DataParallelTrainer<E> first = trainers.get(0);
        int n = trainers.size();
        int done = 0;
        try (DriverExchange ex = new DriverExchange(first.sparkContext(), first.exchange(), first.data().partitions())) {
            List<ExchangeTask.Shard<E>> shards = new ArrayList<>(n);
            trainers.forEach(t -> shards.add(t.shardOf()));
            ExchangeTask<E> task = new ExchangeTask<>(ex.address(), List.copyOf(shards));
            ex.start(() -> first.data().rdd().foreachPartitionAsync(task));
            long[] stepNumbers = new long[n];
            byte[][] params = new byte[n][];
            for (; done < steps; done++) {
                long start = System.nanoTime();
                List<StepSum> sums = new ArrayList<>(n);
                for (int k = 0; k < n; k++) {
                    DataParallelTrainer<E> t = trainers.get(k);
                    stepNumbers[k] = t.step();
                    params[k] = FloatBytes.toBytes(t.model().params().flat());
                    sums.add(t.newSum());
                }
                try {
                    ex.round(stepNumbers, params, sums);
                } catch (DriverExchange.Stalled e) {
                    throw new DriverExchange.Stalled(e.getMessage(), done);
                }
                List<DataParallelTrainer.StepResult> results = new ArrayList<>(n);
                double computeSum = 0;
                for (int k = 0; k < n; k++) {
                    computeSum += sums.get(k).computeSeconds();
                    results.add(trainers.get(k).apply(sums.get(k)));
                }
                double overheadEach = Math.max(0, (System.nanoTime() - start) / 1e9 - computeSum) / n;
                each.accept(results.stream().map(r -> r.withSeconds(r.computeSeconds() + overheadEach)).toList());
            }
            ex.finish();
        }
        return done;
    }
}
