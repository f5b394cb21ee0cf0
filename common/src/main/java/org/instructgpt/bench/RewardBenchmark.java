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
 * per second. bench/torch_reference.py times the same two in PyTorch.
 */
public final class RewardBenchmark {
    static final int PROMPTS = 8;
    static final int K = 4;
    static final int LENGTH = 128;
    static final int LABEL_BATCH = 16;
    static final int LABEL_PROMPT = 32;
    static final int LABEL_NEW = 48;

    /** Comparisons (prompts with their K responses) trained per second, and responses sampled per second. */
    public record Result(double comparisonsPerSec, double responsesPerSec) {
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
        List<List<RankedExample>> shares = new ArrayList<>();
        for (int r = 0; r < replicas; r++) {
            List<RankedExample> share = new ArrayList<>();
            for (int p = 0; p < PROMPTS / replicas; p++) {
                share.add(new RankedExample(ModelBenchmark.randomIds(rng, K, LENGTH, cfg.vocabSize), new int[]{1, 2, 3, 4},
                        false, null));
            }
            shares.add(share);
        }
        PairwiseRankingLoss loss = new PairwiseRankingLoss(0);
        AdamW opt = new AdamW(rms[0].params().flat(), 0.9, 0.95, 1e-8, 0.1, null).threads(replicas);
        long[] step = new long[1];
        ExecutorService pool = Executors.newFixedThreadPool(replicas);
        try {
            double rmSec = ModelBenchmark.medianSeconds(() -> {
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
            return new Result(PROMPTS / rmSec, LABEL_BATCH / labelSec);
        } finally {
            pool.shutdownNow();
        }
    }
}
