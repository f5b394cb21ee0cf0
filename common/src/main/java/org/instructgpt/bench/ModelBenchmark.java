package org.instructgpt.bench;

import org.instructgpt.generate.Generator;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.model.EngineKind;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.LanguageModelLoss;
import org.instructgpt.model.ModelInput;
import org.instructgpt.model.cpu.HeapGemm;
import org.instructgpt.train.AdamW;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

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

    /** GFLOP/s of the same product on Java arrays by {@link HeapGemm}, the kernel of the array-based passes. */
    public static double heapGemmGflops(int n, int reps) {
        SplittableRandom r = new SplittableRandom(1);
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble();
            b[i] = (float) r.nextDouble();
        }
        float[] c = new float[n * n];
        HeapGemm.Operand ao = HeapGemm.Operand.rows(a, 0, n);
        HeapGemm.Operand bo = HeapGemm.Operand.rows(b, 0, n);
        return 2.0 * n * n * n / medianSeconds(() -> HeapGemm.gemm(ao, bo, c, 0, n, n, n, n, null, 0, false), 3, reps) / 1e9;
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

    /**
     * Trains and generates with {@code replicas} model replicas on as many threads, each on its share of the batch (one
     * OpenMP/BLAS thread each): the data-parallel layout of the Spark trainer, without Spark. The replicas' gradients
     * are summed and one AdamW step updates the parameters, which are copied to the replicas before the next step.
     */
    public static Result run(Shape shape, int replicas, int warmup, int reps, double peakGflops, long seed) {
        return run(shape, replicas, warmup, reps, peakGflops, seed, EngineKind.AUTO, DataType.FLOAT);
    }

    /** As {@link #run(Shape, int, int, int, double, long)}, on the given engine and precision. */
    public static Result run(Shape shape, int replicas, int warmup, int reps, double peakGflops, long seed,
                             EngineKind engine, DataType dtype) {
        if (shape.batch() % replicas != 0) {
            throw new IllegalArgumentException("batch " + shape.batch() + " is not divisible by " + replicas + " replicas");
        }
        GptConfig cfg = shape.config();
        Gpt2Model[] models = new Gpt2Model[replicas];
        for (int r = 0; r < replicas; r++) {
            models[r] = Gpt2Model.create(cfg, dtype, false, engine);
        }
        models[0].initialize(seed);
        Gpt2Model main = models[0];
        SplittableRandom rng = new SplittableRandom(seed);
        int share = shape.batch() / replicas;
        ModelInput[] inputs = new ModelInput[replicas];
        LanguageModelLoss.Targets[] targets = new LanguageModelLoss.Targets[replicas];
        double weightSum = 0;
        for (int r = 0; r < replicas; r++) {
            inputs[r] = ModelInput.of(randomIds(rng, share, shape.seqLen(), cfg.vocabSize));
            targets[r] = LanguageModelLoss.shifted(inputs[r], null);
            weightSum += targets[r].weightSum();
        }
        double normalizer = weightSum;
        // The replicas' threads are idle while it runs, as executors wait for the driver's update.
        AdamW opt = new AdamW(main.params().flat(), 0.9, 0.95, 1e-8, 0.1, null).threads(replicas);
        double[] loss = new double[replicas];
        long[] step = new long[1];
        ExecutorService pool = Executors.newFixedThreadPool(replicas);
        try {
            double trainSec = medianSeconds(() -> {
                long s = step[0]++;
                parallel(pool, replicas, r -> {
                    Gpt2Model m = models[r];
                    if (r > 0) {
                        m.params().flat().assign(main.params().flat());
                    }
                    m.grads().zero();
                    loss[r] = LanguageModelLoss.forwardBackward(m, inputs[r], targets[r], normalizer, ForwardMode.train(s));
                });
                for (int r = 1; r < replicas; r++) {
                    main.grads().flat().addi(models[r].grads().flat());
                }
                opt.step(main.params().flat(), main.grads().flat(), 1e-4);
            }, warmup, reps);
            double trainTps = shape.batch() * shape.seqLen() / trainSec;
            double flops = 3 * cfg.forwardFlopsPerToken(shape.seqLen());

            // Generation: batch 16, 32-token prompts, 64 new tokens, KV cache, sampling at temperature 1 without EOS;
            // each replica generates its share of the prompts.
            int genBatch = 16;
            int promptLen = 32;
            int newTokens = 64;
            int[][][] prompts = new int[replicas][][];
            long[][] seeds = new long[replicas][genBatch / replicas];
            for (int r = 0; r < replicas; r++) {
                prompts[r] = randomIds(rng, genBatch / replicas, promptLen, cfg.vocabSize);
                for (int b = 0; b < seeds[r].length; b++) {
                    seeds[r][b] = (long) r * genBatch + b;
                }
            }
            SamplingConfig sc = SamplingConfig.sample(newTokens, 1.0);
            double genSec = medianSeconds(() -> parallel(pool, replicas,
                    r -> new Generator(models[r], -1, 0).generate(prompts[r], seeds[r], sc)), warmup, reps);
            double lossSum = 0;
            for (double l : loss) {
                lossSum += l;
            }
            return new Result(shape, trainTps, flops, peakGflops, genBatch * newTokens / genSec, lossSum);
        } finally {
            pool.shutdownNow();
        }
    }

    static int[][] randomIds(SplittableRandom rng, int rows, int len, int vocab) {
        int[][] ids = new int[rows][len];
        for (int[] row : ids) {
            for (int t = 0; t < len; t++) {
                row[t] = rng.nextInt(vocab);
            }
        }
        return ids;
    }

    /** Runs work(0..n-1) on the pool and waits for all; a failure is rethrown. */
    static void parallel(ExecutorService pool, int n, IntConsumer work) {
        List<Future<?>> futures = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            int id = r;
            futures.add(pool.submit(() -> work.accept(id)));
        }
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("benchmark interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("benchmark replica failed", e.getCause());
        }
    }
}
