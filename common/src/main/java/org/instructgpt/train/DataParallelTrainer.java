package org.instructgpt.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.instructgpt.model.Gpt2Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Synchronous data-parallel training on Spark, the pattern of MLlib's GradientDescent: each step the driver
 * broadcasts the parameters, every partition computes the gradient of the summed loss on its share of the global
 * batch (in micro-batches, on a model replica it keeps per executor), the driver sums the partitions' gradients
 * <em>in partition order</em> (so the result does not depend on which task finished first), divides by the batch's
 * total weight, clips, and applies AdamW. Every random choice (which examples, dropout masks) is keyed by
 * (seed, step, partition, micro-batch), so a retried task returns the same gradient.
 */
public final class DataParallelTrainer<E extends Serializable> {
    private static final Logger LOG = LoggerFactory.getLogger(DataParallelTrainer.class);
    private final JavaSparkContext sc;
    private ShardedData<E> data;
    private TrainingObjective<E> objective;
    private final Gpt2Model model;
    private final ModelSpec spec;
    private final OptimizerSettings opt;
    private final long seed;
    private final AdamW adamW;
    private final LearningRateSchedule schedule;
    /** The last step's gradient as an ND4J array, for tests; filled on request from the heap buffer. */
    private final INDArray grad;
    private float[] lastMean;
    private float lastScale;
    private long step;
    // Tells this trainer's parameters kept on the executors from any other's (ReplicaPool.keep); new whenever the
    // parameters are set other than by a step.
    private long key = newKey();
    private ExchangeSettings exchange = ExchangeSettings.DEFAULT;
    private boolean socketStalled;

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

        /**
         * Trainers stepped together: each one's seconds become its own compute plus an equal share of the rest of
         * the {@code wall} seconds the step took, so that they add up to it.
         */
        static List<StepResult> sharingOverhead(List<StepResult> results, double wall) {
            double compute = results.stream().mapToDouble(StepResult::computeSeconds).sum();
            double overheadEach = Math.max(0, wall - compute) / results.size();
            return results.stream().map(r -> r.withSeconds(r.computeSeconds() + overheadEach)).toList();
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
        this.adamW = new AdamW(model.params().flat(), opt.beta1(), opt.beta2(), opt.eps(), opt.weightDecay(), null)
                .threads(exchange.driverThreads());
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

    /** How the partitions' gradients reach the driver from now on (the stage's {@code exchange} settings). */
    public DataParallelTrainer<E> exchange(ExchangeSettings settings) {
        this.exchange = settings;
        adamW.threads(settings.driverThreads());
        this.socketStalled = false;
        return this;
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

    /** The averaged, clipped gradient the last step applied (read before the next step reuses its buffer). */
    INDArray lastGradient() {
        FloatBytes.assign(grad, lastMean);
        return grad.muli(lastScale);
    }

    /** Continues from a checkpoint: parameters are already in the model; restores the moments and the step. */
    public void restore(INDArray firstMoment, INDArray secondMoment, long steps) {
        adamW.restore(firstMoment, secondMoment, steps);
        this.step = steps;
        this.key = newKey();
    }

    private static long newKey() {
        return new java.security.SecureRandom().nextLong();
    }

    /** Which trainer's parameters a replica kept on an executor holds, with {@link #step()} as their version. */
    long key() {
        return key;
    }

    ModelSpec spec() {
        return spec;
    }

    /** One synchronous step over the global batch, as a Spark job of its own. */
    public StepResult runStep() {
        return runTogether(List.of(this)).get(0);
    }

    /**
     * {@code steps} steps, each handed to {@code each} on the driver as it ends (before the next one starts). With the
     * socket exchange they run as one Spark job ({@link SocketSteps}); with jobs, or once the socket has stalled, as a
     * job each. The parameters are the same either way, bit for bit.
     */
    public void runSteps(int steps, Consumer<StepResult> each) {
        runTogether(List.of(this), steps, r -> each.accept(r.get(0)));
    }

    /**
     * {@link #runSteps} for trainers stepped together ({@link #runTogether(List)}). A step one trainer refuses (a
     * non-finite gradient) stops them all; over the socket the trainers before it may already have taken that step.
     */
    public static <E extends Serializable> void runTogether(List<DataParallelTrainer<E>> trainers, int steps,
                                                            Consumer<List<StepResult>> each) {
        requireSharedData(trainers);
        runTogether(trainers, trainers.get(0).data, null, steps, each);
    }

    /**
     * {@link #runTogether(List, int, Consumer)} over {@code data} with objectives made from it: each partition's
     * summary of its rows reaches the driver, which makes every trainer's objective of them before the first step
     * ({@link DataDependentObjectives}). Over the socket the rows are made, summarised and trained on in one Spark
     * job (PPO: an iteration's rollouts and steps); over jobs the summaries take a job of their own. The same bits.
     */
    public static <E extends Serializable, S extends Serializable> void runTogether(
            List<DataParallelTrainer<E>> trainers, ShardedData<E> data, DataDependentObjectives<E, S> objectives,
            int steps, Consumer<List<StepResult>> each) {
        DataParallelTrainer<E> first = trainers.get(0);
        int done = 0;
        if ((steps > 1 || objectives != null && steps > 0) && first.exchange.mode() == ExchangeSettings.Mode.SOCKET
                && !first.socketStalled) {
            SocketSteps.Outcome o = SocketSteps.run(trainers, data, objectives, steps, each);
            done = o.done();
            if (o.stalled() != null) {
                trainers.forEach(t -> t.socketStalled = true);
                LOG.warn("{}; the remaining steps run as a Spark job each (slower, same result). Fewer task slots than"
                        + " the {} partitions, or an executor lost and not replaced?", o.stalled(), data.partitions());
            }
        }
        if (objectives != null) {
            objectives.applyByJob(trainers, data);
        }
        for (int k = done; k < steps; k++) {
            each.accept(runTogether(trainers));
        }
    }

    /**
     * One step of each trainer, all over the same data in one Spark job (PPO's policy and value model): each trainer
     * gets exactly the step {@link #runStep} would give it (its own parameters, objective, seed and step), but the
     * partitions are read and the tasks scheduled once for all of them rather than once each. Each result's seconds
     * are its own compute plus an equal share of the job's overhead, so they add up to the job's time.
     */
    public static <E extends Serializable> List<StepResult> runTogether(List<DataParallelTrainer<E>> trainers) {
        requireSharedData(trainers);
        DataParallelTrainer<E> first = trainers.get(0);
        long start = System.nanoTime();
        int n = trainers.size();
        List<Broadcast<byte[]>> params = new ArrayList<>();
        List<ShardTask<E>> tasks = new ArrayList<>();
        List<StepSum> sums = new ArrayList<>();
        try {
            for (DataParallelTrainer<E> t : trainers) {
                Broadcast<byte[]> b = t.sc.broadcast(FloatBytes.toBytes(t.model.params().flat()));
                params.add(b);
                tasks.add(new ShardTask<>(b, t.shardOf(), t.step));
                sums.add(t.newSum());
            }
            List<List<ShardResult>> byPartition = new ArrayList<>(first.data.rdd().mapPartitionsWithIndex((pi, it) -> {
                List<E> all = new ArrayList<>();
                it.forEachRemaining(all::add);
                List<ShardResult> out = new ArrayList<>(tasks.size());
                for (ShardTask<E> k : tasks) {
                    ExchangeTask.Shard<E> sh = k.shard();
                    out.add(PartitionShare.compute(pi, all, k.params().value(), sh.spec(), sh.objective(), sh.seed(),
                            k.step(), sh.local(), sh.micro()));
                }
                return Collections.singletonList(out).iterator();
            }, false).collect());
            byPartition.sort(Comparator.comparingInt(part -> part.get(0).partition()));
            for (List<ShardResult> part : byPartition) {
                for (int t = 0; t < n; t++) {
                    sums.get(t).add(part.get(t));
                }
            }
        } finally {
            params.forEach(Broadcast::destroy);
        }
        List<StepResult> out = new ArrayList<>(n);
        for (int t = 0; t < n; t++) {
            out.add(trainers.get(t).apply(sums.get(t)));
        }
        return StepResult.sharingOverhead(out, (System.nanoTime() - start) / 1e9);
    }

    private static <E extends Serializable> void requireSharedData(List<DataParallelTrainer<E>> trainers) {
        DataParallelTrainer<E> first = trainers.get(0);
        for (DataParallelTrainer<E> t : trainers) {
            if (t.data == null) {
                throw new IllegalStateException("the trainer has no data yet: give it some with use()");
            }
            if (t.data != first.data) {
                throw new IllegalArgumentException("trainers stepped together must share their data");
            }
        }
    }

    /** A broadcast of one trainer's parameters and what a partition needs besides them. */
    private record ShardTask<E>(Broadcast<byte[]> params, ExchangeTask.Shard<E> shard, long step)
            implements Serializable {
    }

    /** What a partition needs to compute this trainer's share of a step, besides the step and the parameters. */
    ExchangeTask.Shard<E> shardOf() {
        return new ExchangeTask.Shard<>(spec, objective, seed, opt.batchSize() / data.partitions(), opt.microBatch(), key);
    }

    StepSum newSum() {
        return new StepSum(step, new float[(int) grad.length()]);
    }

    /** A sum for this step into {@code reuse}, a buffer of the gradient's length (its contents do not matter). */
    StepSum newSum(float[] reuse) {
        return new StepSum(step, reuse);
    }

    ShardedData<E> data() {
        return data;
    }

    JavaSparkContext sparkContext() {
        return sc;
    }

    ExchangeSettings exchange() {
        return exchange;
    }

    /** Divides the partition-ordered sum by the batch's weight, clips and applies AdamW. */
    StepResult apply(StepSum sum) {
        if (sum.weight() <= 0) {
            throw new IllegalStateException("step " + step + ": the global batch has no tokens to predict");
        }
        // On the driver's heap, the sum becomes the mean and the clipping a factor AdamW applies as it reads it: four
        // passes over the model's size fewer than as ND4J ops, on a core the tasks need (docs/benchmarks.md, session 15).
        float[] mean = sum.gradient();
        double norm = MeanGradient.divideAndNorm(mean, sum.weight(), exchange.driverThreads());
        float scale = opt.clipNorm() > 0 ? GradientClipping.scale(norm, opt.clipNorm()) : 1f;
        double lr = opt.learningRate() * schedule.factor(step);
        adamW.step(model.params().flat(), mean, scale, lr);
        lastMean = mean;
        lastScale = scale;
        step++;
        double compute = sum.computeSeconds();
        return new StepResult(step, sum.loss() / sum.weight(), sum.weight(), norm, lr, compute, compute, sum.metrics());
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
