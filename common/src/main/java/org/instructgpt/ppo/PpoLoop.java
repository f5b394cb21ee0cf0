package org.instructgpt.ppo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.instructgpt.io.Provenance;
import org.instructgpt.report.LossCurves;
import org.instructgpt.report.MemoryUse;
import org.instructgpt.report.MetricsLog;
import org.instructgpt.report.Progress;
import org.instructgpt.tokenizer.Tokenizer;
import org.instructgpt.train.BroadcastModel;
import org.instructgpt.train.DataDependentObjectives;
import org.instructgpt.train.DataParallelTrainer;
import org.instructgpt.train.MetricSums;
import org.instructgpt.train.ShardedData;
import org.instructgpt.world.GoldJudge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The PPO iterations: broadcast the policy and the value model, map the iteration's prompts to episodes on the
 * executors ({@link RolloutWorker}; the episodes stay there, cached), reduce their statistics on the driver, then
 * {@code epochs} passes of minibatch steps of the policy ({@link PolicyLoss}, with ptx) and the value model
 * ({@link ValueLoss}) on the data-parallel trainer; the EMA after every policy step, the KL controller after every
 * iteration. Per iteration a {@code metrics.jsonl} record with TRL's names, a progress line, warnings for the usual
 * bugs, checkpoints every {@code checkpoint-every} iterations.
 */
public final class PpoLoop {
    private static final Logger LOG = LoggerFactory.getLogger(PpoLoop.class);

    private PpoLoop() {
    }

    /** The models a run reads but does not train, and the tokenizer shared by all four. */
    public record Frozen(String reference, String rewardModel, String tokenizerSpec, Tokenizer tokenizer, int padId,
                         GoldJudge judge) {
    }

    /**
     * The first and last iteration's mean score and KL, and the median share of an iteration that was Spark's (over
     * the iterations this run took; NaN when it took none).
     */
    public record Summary(long iterations, double firstScore, double lastScore, double lastKl, double sparkShare) {
    }

    /**
     * Seconds of an iteration that were Spark's rather than the tasks' computing: the whole iteration less the
     * rollout tasks' generation and scoring (summed over tasks that run side by side, so divided by the partitions)
     * and less the training steps' computing. The rest is scheduling, shipping and waiting.
     */
    static double sparkSeconds(double iteration, double generation, double scoring, int partitions, double training,
                               double trainingOverhead) {
        return Math.max(0, iteration - (generation + scoring) / partitions - (training - trainingOverhead));
    }

    public static Summary run(JavaSparkContext sc, PpoConfig cfg, PpoState s, EpisodeSchedule schedule, Frozen frozen,
                              Provenance prov) {
        PpoCheckpoints checkpoints = new PpoCheckpoints(cfg.output(), cfg.keepCheckpoints());
        MetricsLog metrics = new MetricsLog(new Path(cfg.output(), "metrics.jsonl"));
        if (cfg.resume()) {
            if (checkpoints.restoreLatest(s).isEmpty()) {
                LOG.info("ppo: no valid checkpoint under {}, starting at iteration 0", checkpoints.root());
            }
            metrics.resumeAt(s.iteration);
        } else if (checkpoints.any()) {
            throw new IllegalStateException(checkpoints.root() + " holds checkpoints of an earlier run: resume it"
                    + " (--resume) or choose another output");
        }
        SampleTable samples = new SampleTable(new Path(cfg.output(), "samples.md"), cfg.samples());
        double first = Double.NaN;
        double last = Double.NaN;
        double lastKl = Double.NaN;
        List<Double> shares = new ArrayList<>();
        try (Progress progress = new Progress("ppo", s.iteration, cfg.iterations(), 1)) {
            while (s.iteration < cfg.iterations()) {
                ObjectNode m = iteration(sc, cfg, s, schedule, frozen, metrics, samples);
                last = m.get("objective/scores").asDouble();
                lastKl = m.get("objective/kl").asDouble();
                first = Double.isNaN(first) ? last : first;
                shares.add(m.get("time/spark").asDouble() / m.get("time/iteration").asDouble());
                progress.update(s.iteration, String.format("score %.3f kl %.3f beta %.4f%s %.1f s", last, lastKl,
                        s.kl.value(), m.has("objective/gold") ? String.format(" gold %.3f", m.get("objective/gold")
                                .asDouble()) : "", m.get("time/iteration").asDouble()));
                if (s.iteration % Math.max(1, cfg.checkpointEvery()) == 0 || s.iteration == cfg.iterations()) {
                    checkpoints.save(s, frozen.tokenizer(), prov);
                    metrics.flush();
                }
            }
        }
        metrics.flush();
        List<ObjectNode> r = metrics.records();
        LossCurves.write(r, "ppo", List.of("objective/scores", "objective/rlhf_reward", "objective/gold"), "PPO reward",
                "score",
                new Path(cfg.output(), "reward.png"));
        LossCurves.write(r, "ppo", List.of("objective/kl"), "KL(policy || SFT) per episode", "nats",
                new Path(cfg.output(), "kl.png"));
        LossCurves.write(r, "ppo", List.of("loss/policy", "loss/value", "loss/ptx"), "PPO losses", "loss",
                new Path(cfg.output(), "loss.png"));
        return new Summary(s.iteration, first, last, lastKl, median(shares));
    }

    private static ObjectNode iteration(JavaSparkContext sc, PpoConfig cfg, PpoState s, EpisodeSchedule schedule,
                                        Frozen frozen, MetricsLog metrics, SampleTable samples) {
        long start = System.nanoTime();
        BroadcastModel pb = BroadcastModel.of(sc, s.policy);
        BroadcastModel vb = BroadcastModel.of(sc, s.value);
        double beta = s.kl.value();
        RolloutWorker worker = new RolloutWorker(pb, vb, frozen.reference(), frozen.rewardModel(),
                frozen.tokenizerSpec(), cfg.sampling(), beta, cfg.noEosPenalty(), cfg.gamma(), cfg.lambda(), cfg.seed(),
                s.iteration, cfg.rolloutBatch(), frozen.judge());
        JavaRDD<Rollout> rollouts = null;
        try {
            List<RolloutTask> tasks = schedule.tasks(s.iteration);
            rollouts = sc.parallelize(tasks, cfg.partitions()).mapPartitions(worker::run)
                    .persist(StorageLevel.MEMORY_AND_DISK());
            ShardedData<Rollout> episodes = ShardedData.ofCached(rollouts, tasks.size());
            StepTotals totals = new StepTotals();
            // The rollouts, their statistics (summed on the driver in partition order: they whiten the advantages of
            // every minibatch) and the policy's and the value model's steps are one Spark job with the socket
            // exchange, each task training on the episodes it rolled out; the EMA follows the policy on the driver
            // after every step.
            DataParallelTrainer.runTogether(List.of(s.policy, s.value), episodes,
                    new DataDependentObjectives<Rollout, RolloutStats>(RolloutStats::ofRows, parts -> {
                        totals.rolledOut(RolloutStats.sum(parts), (System.nanoTime() - start) / 1e9, s.iteration);
                        RolloutStats st = totals.stats;
                        return List.of(new PolicyLoss(frozen.padId(), cfg.sampling().temperature(), cfg.clip(),
                                st.advantageMean(), cfg.whiten() ? st.advantageStd() : 0, cfg.ptxCoef()),
                                new ValueLoss(frozen.padId(), cfg.valueClip(), cfg.valueCoef()));
                    }), cfg.stepsPerIteration(), both -> {
                        s.updateEma(cfg.emaDecay());
                        totals.add(both.get(0), both.get(1));
                    });
            RolloutStats st = totals.stats;
            double rolloutSeconds = totals.rolloutSeconds;
            double trainSeconds = (System.nanoTime() - totals.trainStart) / 1e9;
            MetricSums pm = totals.policy;
            MetricSums vm = totals.value;
            double firstRatio = totals.firstRatio;
            double overhead = totals.overhead;
            s.kl.update(st.kl() / st.episodes(), st.episodes());
            s.iteration++;
            warn(s.iteration, st, firstRatio);
            if (cfg.samplesEvery() > 0 && (s.iteration % cfg.samplesEvery() == 0 || s.iteration == 1)) {
                samples.append(s.iteration, episodes.rdd().take(cfg.samples()));
            }
            return record(metrics.record("ppo", s.iteration), st, pm, vm, beta, firstRatio, rolloutSeconds, trainSeconds,
                    overhead, (System.nanoTime() - start) / 1e9, cfg.partitions());
        } finally {
            if (rollouts != null) {
                rollouts.unpersist(false);
            }
            pb.destroy();
            vb.destroy();
        }
    }

    /** What an iteration's rollouts and steps add up to. */
    private static final class StepTotals {
        RolloutStats stats;
        double rolloutSeconds;
        long trainStart;
        MetricSums policy = MetricSums.NONE;
        MetricSums value = MetricSums.NONE;
        double firstRatio = Double.NaN;
        double overhead;
        int steps;

        /** The rollouts' statistics, on the driver before the first step; non-finite ones stop the iteration. */
        void rolledOut(RolloutStats st, double seconds, long iteration) {
            if (!Double.isFinite(st.score()) || !Double.isFinite(st.adv())) {
                throw new IllegalStateException("ppo iteration " + (iteration + 1) + ": non-finite rollouts (score "
                        + st.score() + "); no step was taken");
            }
            stats = st;
            rolloutSeconds = seconds;
            trainStart = System.nanoTime();
        }

        void add(DataParallelTrainer.StepResult rp, DataParallelTrainer.StepResult rv) {
            firstRatio = steps++ == 0 ? rp.metrics().mean("val/ratio") : firstRatio;
            policy = policy.plus(rp.metrics());
            value = value.plus(rv.metrics());
            overhead += rp.seconds() * rp.overheadShare() + rv.seconds() * rv.overheadShare();
        }
    }

    private static ObjectNode record(ObjectNode m, RolloutStats st, MetricSums pm, MetricSums vm, double beta,
                                     double firstRatio, double rolloutSeconds, double trainSeconds, double overhead,
                                     double total, int partitions) {
        double n = st.episodes();
        m.put("objective/kl", st.kl() / n);
        m.put("objective/kl_coef", beta);
        m.put("objective/entropy", st.entropy() / n);
        m.put("objective/scores", st.score() / n);
        m.put("objective/raw_scores", st.rawScore() / n);
        m.put("objective/rlhf_reward", (st.score() - beta * st.kl()) / n);
        if (Double.isFinite(st.gold())) {
            m.put("objective/gold", st.gold() / n);
        }
        for (String name : pm.names()) {
            m.put(name, pm.mean(name));
        }
        for (String name : vm.names()) {
            m.put(name, vm.mean(name));
        }
        m.put("policy/first_ratio", firstRatio);
        m.put("val/explained_variance", st.explainedVariance());
        m.put("advantages/mean", st.advantageMean());
        m.put("advantages/std", st.advantageStd());
        m.put("response_length", st.tokens() / n);
        m.put("eos_rate", st.eos() / n);
        m.put("time/generation", st.generationSeconds());
        m.put("time/scoring", st.scoringSeconds());
        m.put("time/rollouts", rolloutSeconds);
        m.put("time/training", trainSeconds);
        m.put("time/spark_overhead", overhead);
        m.put("time/iteration", total);
        m.put("time/spark", sparkSeconds(total, st.generationSeconds(), st.scoringSeconds(), partitions, trainSeconds,
                overhead));
        // The driver's memory (all of it in local mode), to see that nothing grows from iteration to iteration.
        MemoryUse.now().megabytes().forEach((k, v) -> m.put("memory/" + k, v));
        return m;
    }

    private static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    /** The two signs of a broken setup the TRL docs warn about, said where a user sees them. */
    private static void warn(long iteration, RolloutStats st, double firstRatio) {
        double kl = st.kl() / st.episodes();
        // The per-episode KL is estimated from the sampled tokens and dips below zero by chance when it is small:
        // only a mean more than two standard errors below zero says the two passes differ.
        if (kl < -1e-3 && kl < -2 * st.klStandardError()) {
            LOG.warn("ppo iteration {}: the mean KL to the reference is negative ({}): the policy's and the reference's"
                    + " log-probs are not computed alike (temperature, padding or positions differ)", iteration,
                    String.format("%.4f", kl));
        }
        if (Math.abs(firstRatio - 1) > 0.01) {
            LOG.warn("ppo iteration {}: the first minibatch's probability ratio is {} where it must be 1 (the policy has"
                    + " not changed yet): the training pass and the rollout disagree (temperature, padding, dropout)",
                    iteration, String.format("%.4f", firstRatio));
        }
    }
}
