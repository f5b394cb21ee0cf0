package org.instructgpt.bench;

import org.apache.spark.api.java.JavaSparkContext;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.train.AdamW;
import org.instructgpt.train.DataParallelTrainer;
import org.instructgpt.train.ExchangeSettings;
import org.instructgpt.train.GradientClipping;
import org.instructgpt.train.LanguageModelObjective;
import org.instructgpt.train.OptimizerSettings;
import org.instructgpt.train.ShardedData;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Throughput of the Spark trainer against plain single-process code on the same model, data and step: tokens/s and
 * the share of a step Spark adds (broadcast, scheduling, collecting and summing gradients).
 */
public final class TrainerBenchmark {
    /** One measurement: median tokens/s and median share of the step outside the partitions' computation. */
    public record Result(String what, int partitions, double tokensPerSecond, double overheadShare, double stepSeconds) {
    }

    private TrainerBenchmark() {
    }

    static List<TokenizedExample> randomBlocks(int n, int len, int vocab, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<TokenizedExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] ids = new int[len];
            for (int t = 0; t < len; t++) {
                ids[t] = rng.nextInt(vocab);
            }
            float[] loss = new float[len];
            Arrays.fill(loss, 1f);
            out.add(new TokenizedExample(ids, loss, false));
        }
        return out;
    }

    static OptimizerSettings settings(int batch, int micro) {
        return new OptimizerSettings(batch, micro, 1_000_000, 1e-4, "constant", 1, 0.1, 0.9, 0.95, 1e-8, 0.1, 1.0);
    }

    /**
     * The Spark trainer with {@code partitions} partitions: {@code warmup} untimed steps, then {@code steps} run as the
     * training loop runs them between checkpoints (one job with the socket exchange, a job each with {@code job});
     * tokens per second and Spark's share over the whole stretch, so the job's start counts.
     */
    public static Result spark(JavaSparkContext sc, GptConfig cfg, int partitions, int batch, int micro, int warmup,
                               int steps, long seed, ExchangeSettings exchange) {
        List<TokenizedExample> data = randomBlocks(batch * 4, cfg.nPositions, cfg.vocabSize, seed);
        ShardedData<TokenizedExample> shards = ShardedData.of(sc.parallelize(data, partitions), partitions);
        Gpt2Model m = Gpt2Model.create(cfg, DataType.FLOAT, false);
        m.initialize(seed);
        DataParallelTrainer<TokenizedExample> t = new DataParallelTrainer<>(sc, shards,
                new LanguageModelObjective(cfg.padTokenId), m, settings(batch, micro), seed).exchange(exchange);
        try {
            t.runSteps(warmup, r -> { });
            double[] totals = new double[2];
            long start = System.nanoTime();
            t.runSteps(steps, r -> {
                totals[0] += r.weight();
                totals[1] += r.computeSeconds();
            });
            double wall = (System.nanoTime() - start) / 1e9;
            return new Result("spark", partitions, totals[0] / wall, Math.max(0, 1 - totals[1] / wall), wall / steps);
        } finally {
            shards.release();
        }
    }

    /** The same step without Spark: one model, the same micro-batches, clipping and AdamW. */
    public static Result plain(GptConfig cfg, int batch, int micro, int warmup, int steps, long seed) {
        List<TokenizedExample> data = randomBlocks(batch, cfg.nPositions, cfg.vocabSize, seed);
        Gpt2Model m = Gpt2Model.create(cfg, DataType.FLOAT, false);
        m.initialize(seed);
        LanguageModelObjective obj = new LanguageModelObjective(cfg.padTokenId);
        AdamW adam = new AdamW(m.params().flat(), 0.9, 0.95, 1e-8, 0.1, null);
        INDArray grad = m.params().flat().ulike();
        double[] weight = new double[1];
        double sec = ModelBenchmark.medianSeconds(() -> {
            m.grads().zero();
            weight[0] = 0;
            for (int k = 0; k * micro < batch; k++) {
                weight[0] += obj.accumulate(m, data.subList(k * micro, Math.min(batch, (k + 1) * micro)), ForwardMode.train(k)).weight();
            }
            grad.assign(m.grads().flat()).divi(weight[0]);
            GradientClipping.clipGlobalNorm(grad, 1.0);
            adam.step(m.params().flat(), grad, 1e-4);
        }, warmup, steps);
        return new Result("plain", 1, weight[0] / sec, 0, sec);
    }
}
