package org.instructgpt.bench;

import org.instructgpt.generate.Generator;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.model.EngineKind;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.rm.PairwiseRankingLoss;
import org.instructgpt.rm.RankedExample;
import org.instructgpt.train.AdamW;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The reward model's two hot loops on this machine, in the data-parallel layout of {@link ModelBenchmark}: a training
 * step of the K-way ranking loss ({@link PairwiseRankingLoss}: 8 prompts x K 4 responses of 128 tokens, every
 * response forwarded once, backward from the pairs, AdamW) in comparisons per second, and labeling's sampling (4
 * prompts x K 4 samples, 32-token prompts, 48 new tokens at temperature 1, the label stage's defaults) in responses
 * per second. The step is timed twice: on 128 random tokens per response, which share nothing (every row computed),
 * and on a 32-token prompt shared by its K responses of 96 tokens, as real comparisons are (the array engine computes
 * the prompt's rows once). bench/torch_reference.py times the same in PyTorch.
 */
public final class RewardBenchmark {
    static final int PROMPTS = 8;
    static final int K = 4;
    static final int LENGTH = 128;
    /** The prompt's tokens at the start of each of its K responses, in the step on shared prompts. */
    static final int PROMPT = 32;
    static final int LABEL_BATCH = 16;
    static final int LABEL_PROMPT = 32;
    static final int LABEL_NEW = 48;

    /**
     * Comparisons (prompts with their K responses) trained per second, on random responses and on responses sharing
     * their prompt, and responses sampled per second.
     */
    public record Result(double comparisonsPerSec, double sharedPromptComparisonsPerSec, double responsesPerSec) {
    }

    private RewardBenchmark() {
    }

    public static Result run(GptConfig cfg, int replicas, int warmup, int reps, long seed, EngineKind engine,
                             DataType dtype) {
        if (PROMPTS % replicas != 0 || LABEL_BATCH % replicas != 0) {
            throw new IllegalArgumentException(replicas + " replicas do not divide the batches");
        }
        Gpt2Model[] rms = new Gpt2Model[replicas];
        Gpt2Model[] policies = new Gpt2Model[replicas];
        for (int r = 0; r < replicas; r++) {
            rms[r] = Gpt2Model.create(cfg.asScalarModel(), dtype, true, engine);
            policies[r] = Gpt2Model.create(cfg, dtype, false, engine);
        }
        rms[0].initialize(seed);
        rms[0].initializeScoreHead(seed);
        policies[0].initialize(seed);
        for (int r = 1; r < replicas; r++) {
            policies[r].params().flat().assign(policies[0].params().flat());
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<List<RankedExample>> random = shares(replicas,
                () -> ModelBenchmark.randomIds(rng, K, LENGTH, cfg.vocabSize));
        List<List<RankedExample>> sharedPrompt = shares(replicas, () -> {
            int[] prompt = ModelBenchmark.randomIds(rng, 1, PROMPT, cfg.vocabSize)[0];
            int[][] seqs = ModelBenchmark.randomIds(rng, K, LENGTH, cfg.vocabSize);
            for (int[] seq : seqs) {
                System.arraycopy(prompt, 0, seq, 0, PROMPT);
            }
            return seqs;
        });
        AdamW opt = new AdamW(rms[0].params().flat(), 0.9, 0.95, 1e-8, 0.1, null).threads(replicas);
        ExecutorService pool = Executors.newFixedThreadPool(replicas);
        try {
            double rmSec = stepSeconds(rms, opt, pool, random, warmup, reps);
            double sharedSec = stepSeconds(rms, opt, pool, sharedPrompt, warmup, reps);

            int[][][] prompts = new int[replicas][][];
            long[][] seeds = new long[replicas][LABEL_BATCH / replicas];
            for (int r = 0; r < replicas; r++) {
                prompts[r] = ModelBenchmark.randomIds(rng, LABEL_BATCH / replicas, LABEL_PROMPT, cfg.vocabSize);
                for (int b = 0; b < seeds[r].length; b++) {
                    seeds[r][b] = (long) r * LABEL_BATCH + b;
                }
            }
            SamplingConfig sc = SamplingConfig.sample(LABEL_NEW, 1.0);
            double labelSec = ModelBenchmark.medianSeconds(() -> ModelBenchmark.parallel(pool, replicas,
                    r -> new Generator(policies[r], -1, 0).generate(prompts[r], seeds[r], sc)), Math.max(1, warmup / 2), reps);
            return new Result(PROMPTS / rmSec, PROMPTS / sharedSec, LABEL_BATCH / labelSec);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Each replica's share of the PROMPTS comparisons, K sequences each from {@code sequences}. */
    private static List<List<RankedExample>> shares(int replicas, java.util.function.Supplier<int[][]> sequences) {
        List<List<RankedExample>> shares = new ArrayList<>();
        for (int r = 0; r < replicas; r++) {
            List<RankedExample> share = new ArrayList<>();
            for (int p = 0; p < PROMPTS / replicas; p++) {
                share.add(new RankedExample(sequences.get(), new int[]{1, 2, 3, 4}, false, null));
            }
            shares.add(share);
        }
        return shares;
    }

    /** The median seconds of a data-parallel step on {@code shares}: every replica's share, their sum, AdamW. */
    private static double stepSeconds(Gpt2Model[] rms, AdamW opt, ExecutorService pool,
                                      List<List<RankedExample>> shares, int warmup, int reps) {
        PairwiseRankingLoss loss = new PairwiseRankingLoss(0);
        int replicas = rms.length;
        long[] step = new long[1];
        return ModelBenchmark.medianSeconds(() -> {
            long s = step[0]++;
            ModelBenchmark.parallel(pool, replicas, r -> {
                if (r > 0) {
                    rms[r].params().flat().assign(rms[0].params().flat());
                }
                rms[r].grads().zero();
                loss.accumulate(rms[r], shares.get(r), ForwardMode.train(s));
            });
            for (int r = 1; r < replicas; r++) {
                rms[0].grads().flat().addi(rms[r].grads().flat());
            }
            opt.step(rms[0].params().flat(), rms[0].grads().flat(), 1e-5);
        }, warmup, reps);
    }
}
