package org.instructgpt.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.util.Seeds;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * Synchronous data-parallel training on Spark, the pattern of MLlib's GradientDescent: each step the driver
 * broadcasts the parameters, every partition computes the gradient of the summed loss on its share of the global
 * batch (in micro-batches, on a model replica it keeps per executor), the driver sums the partitions' gradients
 * <em>in partition order</em> (so the result does not depend on which task finished first), divides by the batch's
 * total weight, clips, and applies AdamW. Every random choice (which examples, dropout masks) is keyed by
 * (seed, step, partition, micro-batch), so a retried task returns the same gradient.
 */
public final class DataParallelTrainer<E extends Serializable> {
    private final JavaSparkContext sc;
    private ShardedData<E> data;
    private TrainingObjective<E> objective;
    private final Gpt2Model model;
    private final ModelSpec spec;
    private final OptimizerSettings opt;
    private final long seed;
    private final AdamW adamW;
    private final LearningRateSchedule schedule;
    private final INDArray grad;
    private long step;

    /** The outcome of one step. */
    public record StepResult(long step, double loss, double weight, double gradNorm, double learningRate,
                             double seconds, double computeSeconds, MetricSums metrics) {
        /** The share of the step not spent computing in the slowest partition: broadcast, scheduling, aggregation. */
        public double overheadShare() {
            return seconds <= 0 ? 0 : Math.max(0, seconds - computeSeconds) / seconds;
        }

        StepResult withSeconds(double wall) {
            return new StepResult(step, loss, weight, gradNorm, learningRate, wall, computeSeconds, metrics);
        }
    }

    public DataParallelTrainer(JavaSparkContext sc, ShardedData<E> data, TrainingObjective<E> objective, Gpt2Model model,
                               OptimizerSettings opt, long seed) {
        this(sc, model, opt, seed);
        use(data, objective);
    }

    /** A trainer whose data and objective come later, by {@link #use} (PPO: each iteration's rollouts). */
    public DataParallelTrainer(JavaSparkContext sc, Gpt2Model model, OptimizerSettings opt, long seed) {
        FloatBytes.requireShippable(model.params().flat().length());
        this.sc = sc;
        this.model = model;
        this.spec = ModelSpec.of(model);
        this.opt = opt;
        this.seed = seed;
        this.adamW = new AdamW(model.params().flat(), opt.beta1(), opt.beta2(), opt.eps(), opt.weightDecay(), null);
        this.schedule = opt.lrSchedule();
        this.grad = model.params().flat().ulike();
    }

    /**
     * Trains on other data with another objective from the next step on, keeping the parameters, the optimizer and
     * the step (PPO: each iteration's rollouts, with that iteration's advantage statistics).
     */
    public void use(ShardedData<E> newData, TrainingObjective<E> newObjective) {
        if (opt.batchSize() % newData.partitions() != 0) {
            throw new IllegalArgumentException("batch size " + opt.batchSize() + " is not a multiple of the "
                    + newData.partitions() + " partitions");
        }
        this.data = newData;
        this.objective = newObjective;
    }

    public long step() {
        return step;
    }

    /** What the objective's weight counts (tokens, comparisons). */
    public String unit() {
        return objective.unit();
    }

    public AdamW optimizer() {
        return adamW;
    }

    public Gpt2Model model() {
        return model;
    }

    /** The averaged, clipped gradient the last step applied. */
    INDArray lastGradient() {
        return grad;
    }

    /** Continues from a checkpoint: parameters are already in the model; restores the moments and the step. */
    public void restore(INDArray firstMoment, INDArray secondMoment, long steps) {
        adamW.restore(firstMoment, secondMoment, steps);
        this.step = steps;
    }

    /** One synchronous step over the global batch. */
    public StepResult runStep() {
        return runTogether(List.of(this)).get(0);
    }

    /**
     * One step of each trainer, all over the same data in one Spark job (PPO's policy and value model): each trainer
     * gets exactly the step {@link #runStep} would give it (its own parameters, objective, seed and step), but the
     * partitions are read and the tasks scheduled once for all of them rather than once each. Each result's seconds
     * are its own compute plus an equal share of the job's overhead, so they add up to the job's time.
     */
    public static <E extends Serializable> List<StepResult> runTogether(List<DataParallelTrainer<E>> trainers) {
        DataParallelTrainer<E> first = trainers.get(0);
        for (DataParallelTrainer<E> t : trainers) {
            if (t.data == null) {
                throw new IllegalStateException("the trainer has no data yet: give it some with use()");
            }
            if (t.data != first.data) {
                throw new IllegalArgumentException("trainers stepped together must share their data");
            }
        }
        long start = System.nanoTime();
        int n = trainers.size();
        List<Broadcast<byte[]>> params = new ArrayList<>();
        List<ShardTask<E>> tasks = new ArrayList<>();
        List<List<ShardResult>> results = new ArrayList<>();
        try {
            for (DataParallelTrainer<E> t : trainers) {
                Broadcast<byte[]> b = t.sc.broadcast(FloatBytes.toBytes(t.model.params().flat()));
                params.add(b);
                tasks.add(new ShardTask<>(b, t.spec, t.objective, t.seed, t.step,
                        t.opt.batchSize() / t.data.partitions(), t.opt.microBatch()));
            }
            List<List<ShardResult>> byPartition = first.data.rdd().mapPartitionsWithIndex((pi, it) -> {
                List<E> all = new ArrayList<>();
                it.forEachRemaining(all::add);
                List<ShardResult> out = new ArrayList<>(tasks.size());
                for (ShardTask<E> k : tasks) {
                    out.add(shard(pi, all.iterator(), k.params().value(), k.spec(), k.objective(), k.seed(), k.step(),
                            k.local(), k.micro()));
                }
                return Collections.singletonList(out).iterator();
            }, false).collect();
            for (int t = 0; t < n; t++) {
                List<ShardResult> mine = new ArrayList<>();
                for (List<ShardResult> part : byPartition) {
                    mine.add(part.get(t));
                }
                mine.sort(Comparator.comparingInt(ShardResult::partition));
                results.add(mine);
            }
        } finally {
            params.forEach(Broadcast::destroy);
        }
        List<StepResult> out = new ArrayList<>(n);
        double computeSum = 0;
        for (int t = 0; t < n; t++) {
            double compute = results.get(t).stream().mapToDouble(ShardResult::seconds).max().orElse(0);
            computeSum += compute;
            out.add(trainers.get(t).apply(results.get(t), compute));
        }
        double overheadEach = Math.max(0, (System.nanoTime() - start) / 1e9 - computeSum) / n;
        return out.stream().map(r -> r.withSeconds(r.computeSeconds() + overheadEach)).toList();
    }

    /** What a partition needs to compute one trainer's share of a step. */
    private record ShardTask<E>(Broadcast<byte[]> params, ModelSpec spec, TrainingObjective<E> objective, long seed,
                                long step, int local, int micro) implements Serializable {
    }

    /** Sums the partitions' gradients in partition order, refuses a non-finite one, clips and applies AdamW. */
    private StepResult apply(List<ShardResult> results, double compute) {
        double loss = 0;
        double weight = 0;
        MetricSums metrics = MetricSums.NONE;
        // Summed in plain Java, in partition order: as exact as ND4J's add and without a temporary array per partition.
        float[] sum = new float[(int) grad.length()];
        for (ShardResult r : results) {
            if (r.problem() != null) {
                throw new NonFiniteLossException("step " + step + ", partition " + r.partition() + ": " + r.problem()
                        + "; the step was refused and no parameter was changed");
            }
            loss += r.loss();
            weight += r.weight();
            metrics = metrics.plus(r.metrics());
            if (r.gradient() != null) {
                java.nio.FloatBuffer g = FloatBytes.view(r.gradient());
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += g.get(i);
                }
            }
        }
        if (weight <= 0) {
            throw new IllegalStateException("step " + step + ": the global batch has no tokens to predict");
        }
        FloatBytes.assign(grad, sum);
        grad.divi(weight);
        double norm = opt.clipNorm() > 0 ? GradientClipping.clipGlobalNorm(grad, opt.clipNorm()) : grad.norm2Number().doubleValue();
        double lr = opt.learningRate() * schedule.factor(step);
        adamW.step(model.params().flat(), grad, lr);
        step++;
        return new StepResult(step, loss / weight, weight, norm, lr, compute, compute, metrics);
    }

    /** One partition's share of step {@code step}. */
    static <E> ShardResult shard(int partition, Iterator<E> rows, byte[] params, ModelSpec spec, TrainingObjective<E> obj,
                                 long seed, long step, int local, int micro) {
        long start = System.nanoTime();
        List<E> all = new ArrayList<>();
        rows.forEachRemaining(all::add);
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
            byte[] g = FloatBytes.toBytes(m.grads().flat());
            String problem = null;
            if (!Double.isFinite(sum.loss())) {
                problem = "the loss is " + sum.loss();
            } else {
                java.nio.FloatBuffer fb = FloatBytes.view(g);
                for (int i = 0; i < fb.limit(); i++) {
                    if (!Float.isFinite(fb.get(i))) {
                        problem = "gradient entry " + i + " is " + fb.get(i);
                        break;
                    }
                }
            }
            return new ShardResult(partition, g, sum.loss(), sum.weight(), sum.metrics(), (System.nanoTime() - start) / 1e9,
                    problem);
        } finally {
            ReplicaPool.giveBack(spec, m);
        }
    }

    /** The loss over every example of {@code eval} (no update), computed on the partitions. */
    public TrainingObjective.LossSum evaluate(ShardedData<E> eval) {
        return evaluate(eval, objective);
    }

    /**
     * Another objective's evaluation of the current parameters over {@code eval}, on the partitions (the reward
     * model's mean score on demonstrations, for its bias).
     */
    public <F extends Serializable> TrainingObjective.LossSum evaluate(ShardedData<F> eval, TrainingObjective<F> obj) {
        Broadcast<byte[]> params = sc.broadcast(FloatBytes.toBytes(model.params().flat()));
        ModelSpec sp = spec;
        int micro = opt.microBatch();
        try {
            List<TrainingObjective.LossSum> parts = new ArrayList<>(eval.rdd().mapPartitionsWithIndex((pi, it) -> {
                List<F> all = new ArrayList<>();
                it.forEachRemaining(all::add);
                TrainingObjective.LossSum sum = new TrainingObjective.LossSum(0, 0);
                if (!all.isEmpty()) {
                    Gpt2Model m = ReplicaPool.borrow(sp);
                    try {
                        FloatBytes.assign(m.params().flat(), params.value());
                        for (int k = 0; k * micro < all.size(); k++) {
                            sum = sum.plus(obj.evaluate(m, all.subList(k * micro, Math.min(all.size(), (k + 1) * micro))));
                        }
                    } finally {
                        ReplicaPool.giveBack(sp, m);
                    }
                }
                return Collections.singletonList(sum).iterator();
            }, false).collect());
            TrainingObjective.LossSum total = new TrainingObjective.LossSum(0, 0);
            for (TrainingObjective.LossSum p : parts) {
                total = total.plus(p);
            }
            return total;
        } finally {
            params.destroy();
        }
    }
}
