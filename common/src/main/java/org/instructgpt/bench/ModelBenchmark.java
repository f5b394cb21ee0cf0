package org.instructgpt.bench;

import org.instructgpt.generate.Generator;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.LanguageModelLoss;
import org.instructgpt.model.ModelInput;
import org.instructgpt.train.AdamW;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Throughput of the model on this machine: training steps (forward, backward, AdamW) and KV-cache generation, with
 * the share of the measured sgemm peak the training step reaches. Figures are medians of several timed repetitions.
 */
public final class ModelBenchmark {
    /** One benchmark shape: a model config and the batch it is run with. */
    public record Shape(String name, GptConfig config, int batch, int seqLen) {
        /** Config S and M of the foundation issue: vocab 256, 128 tokens, batch 16. */
        public static Shape named(String name) {
            return switch (name) {
                case "S" -> new Shape("S", GptConfig.of(256, 128, 128, 4, 4), 16, 128);
                case "M" -> new Shape("M", GptConfig.of(256, 128, 256, 8, 8), 16, 128);
                default -> throw new IllegalArgumentException("unknown benchmark config '" + name + "' (S or M)");
            };
        }
    }

    public record Result(Shape shape, double trainTokensPerSec, double trainFlopsPerToken, double peakGflops,
                         double generateTokensPerSec, double loss) {
        public double peakShare() {
            return trainTokensPerSec * trainFlopsPerToken / (peakGflops * 1e9);
        }
    }

    private ModelBenchmark() {
    }

    /** GFLOP/s of a square float gemm of size n (median of {@code reps}). */
    public static double sgemmGflops(int n, int reps) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.zeros(DataType.FLOAT, n, n);
        return 2.0 * n * n * n / medianSeconds(() -> Nd4j.gemm(a, b, c, false, false, 1.0, 0.0), 2, reps) / 1e9;
    }

    /** Runs {@code work} {@code warmup} times untimed, then {@code reps} times; the median duration in seconds. */
    static double medianSeconds(Runnable work, int warmup, int reps) {
        for (int i = 0; i < warmup; i++) {
            work.run();
        }
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long s = System.nanoTime();
            work.run();
            t[i] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(t);
        return reps % 2 == 1 ? t[reps / 2] : (t[reps / 2 - 1] + t[reps / 2]) / 2;
    }

    public static Result run(Shape shape, int warmup, int reps, double peakGflops, long seed) {
        GptConfig cfg = shape.config();
        Gpt2Model model = Gpt2Model.create(cfg, DataType.FLOAT, false);
        model.initialize(seed);
        SplittableRandom rng = new SplittableRandom(seed);
        int[][] ids = new int[shape.batch()][shape.seqLen()];
        for (int[] row : ids) {
            for (int t = 0; t < row.length; t++) {
                row[t] = rng.nextInt(cfg.vocabSize);
            }
        }
        ModelInput in = ModelInput.of(ids);
        LanguageModelLoss.Targets targets = LanguageModelLoss.shifted(in, null);
        AdamW opt = new AdamW(model.params().flat(), 0.9, 0.95, 1e-8, 0.1, null);
        double[] loss = new double[1];
        long[] step = new long[1];
        double trainSec = medianSeconds(() -> {
            model.grads().zero();
            loss[0] = LanguageModelLoss.forwardBackward(model, in, targets, targets.weightSum(), ForwardMode.train(step[0]++));
            opt.step(model.params().flat(), model.grads().flat(), 1e-4);
        }, warmup, reps);
        double trainTps = shape.batch() * shape.seqLen() / trainSec;
        double flops = 3 * cfg.forwardFlopsPerToken(shape.seqLen());

        // Generation: batch 16, 32-token prompts, 64 new tokens, KV cache, sampling at temperature 1 without EOS.
        int genBatch = 16;
        int promptLen = 32;
        int newTokens = 64;
        int[][] prompts = new int[genBatch][promptLen];
        long[] seeds = new long[genBatch];
        for (int b = 0; b < genBatch; b++) {
            for (int t = 0; t < promptLen; t++) {
                prompts[b][t] = rng.nextInt(cfg.vocabSize);
            }
            seeds[b] = b;
        }
        Generator gen = new Generator(model, -1, 0);
        SamplingConfig sc = SamplingConfig.sample(newTokens, 1.0);
        double genTps = genBatch * newTokens / medianSeconds(() -> gen.generate(prompts, seeds, sc), 1, Math.max(3, reps / 2));
        return new Result(shape, trainTps, flops, peakGflops, genTps, loss[0]);
    }
}
