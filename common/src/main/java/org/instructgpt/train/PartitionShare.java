package org.instructgpt.train;

import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.util.Seeds;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One partition's share of a data-parallel step: its examples of the step (keyed by seed, step and partition, so a
 * retried task computes the same), forward and backward in micro-batches on a replica of the executor's pool, and the
 * summed gradient, loss and weight, with the first non-finite value named. The same whether a job per step or the
 * exchange asks for it ({@link DataParallelTrainer}, {@link ExchangeTask}).
 */
final class PartitionShare {
    private PartitionShare() {
    }

    /** One partition's share of step {@code step}. */
    static <E> ShardResult compute(int partition, List<E> all, byte[] params, ModelSpec spec, TrainingObjective<E> obj,
                                   long seed, long step, int local, int micro) {
        return compute(partition, all, params, spec, obj, seed, step, local, micro, null);
    }

    /** {@link #compute} with the gradient's bytes written into {@code reuse} where it has the right length. */
    static <E> ShardResult compute(int partition, List<E> all, byte[] params, ModelSpec spec, TrainingObjective<E> obj,
                                   long seed, long step, int local, int micro, byte[] reuse) {
        long start = System.nanoTime();
        if (all.isEmpty()) {
            return new ShardResult(partition, null, 0, 0, MetricSums.NONE, 0, null);
        }
        List<E> batch = new ArrayList<>(EpochSampler.select(all, seed, partition, step, local));
        if (micro < batch.size()) {
            batch.sort(Comparator.comparingInt(obj::paddedLength));
        }
        Gpt2Model m = ReplicaPool.borrow(spec);
        try {
            FloatBytes.assign(m.params().flat(), params);
            m.grads().zero();
            TrainingObjective.LossSum sum = new TrainingObjective.LossSum(0, 0);
            for (int k = 0; k * micro < batch.size(); k++) {
                List<E> mb = batch.subList(k * micro, Math.min(batch.size(), (k + 1) * micro));
                sum = sum.plus(obj.accumulate(m, mb, ForwardMode.train(Seeds.derive(seed, step, partition, k))));
            }
            byte[] g = FloatBytes.toBytes(m.grads().flat(), reuse);
            String problem = null;
            if (!Double.isFinite(sum.loss())) {
                problem = "the loss is " + sum.loss();
            } else {
                long bad = FiniteCheck.firstNonFinite(m.grads().flat());
                if (bad >= 0) {
                    problem = "gradient entry " + bad + " is " + m.grads().flat().getFloat(bad);
                }
            }
            return new ShardResult(partition, g, sum.loss(), sum.weight(), sum.metrics(),
                    (System.nanoTime() - start) / 1e9, problem);
        } finally {
            ReplicaPool.giveBack(spec, m);
        }
    }
}
