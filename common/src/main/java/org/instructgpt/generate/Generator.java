package org.instructgpt.generate;

import org.instructgpt.data.Batches;
import org.instructgpt.model.Decoder;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.ModelInput;

import java.util.SplittableRandom;

/**
 * Batched autoregressive generation over the model engine's {@link Decoder} (a KV cache, reused across calls while the
 * parameters are unchanged), written once for both engines. Prompts are left-padded (positions {@code cumsum(mask) - 1}); every row draws from its own random stream seeded per prompt, so a
 * prompt's sample does not depend on which other prompts share its batch.
 */
public final class Generator {
    private final Gpt2Model model;
    private final int eosId;
    private final int padId;

    /** @param eosId the token that ends a response (-1: none); @param padId the token written after it */
    public Generator(Gpt2Model model, int eosId, int padId) {
        this.model = model;
        this.eosId = eosId;
        this.padId = padId;
    }

    /** Left-pads prompts of different lengths to one length. */
    public ModelInput leftPad(int[][] prompts) {
        return Batches.leftPadded(prompts, padId);
    }

    public GenerationResult generate(int[][] prompts, long[] seeds, SamplingConfig cfg) {
        return generate(leftPad(prompts), seeds, cfg);
    }

    /** @param seeds one seed per row (for example derived from the run seed and the prompt id) */
    public GenerationResult generate(ModelInput prompt, long[] seeds, SamplingConfig cfg) {
        int batch = prompt.batch();
        int promptLen = prompt.time();
        int maxNew = cfg.maxNewTokens();
        if (seeds.length != batch) {
            throw new IllegalArgumentException("need one seed per prompt: " + seeds.length + " for " + batch);
        }
        if (promptLen + maxNew > model.config().nPositions) {
            throw new IllegalArgumentException("prompt length " + promptLen + " + " + maxNew + " new tokens exceeds n_positions "
                    + model.config().nPositions);
        }
        SplittableRandom[] rng = new SplittableRandom[batch];
        int[] nextPosition = new int[batch];
        // Hidden rows to read logits from: each prompt's last position, then (one new token per step) row b.
        int[] rows = new int[batch];
        int[] stepRows = new int[batch];
        for (int b = 0; b < batch; b++) {
            stepRows[b] = b;
            rng[b] = new SplittableRandom(seeds[b]);
            for (int t = 0; t < promptLen; t++) {
                nextPosition[b] += prompt.mask()[b * promptLen + t] != 0 ? 1 : 0;
            }
            rows[b] = b * promptLen + promptLen - 1;
        }
        TokenSampler sampler = new TokenSampler(cfg);
        Decoder decoder = model.decoder(batch, promptLen + maxNew);
        int filler = Batches.fillerId(padId);
        int[][] tokens = new int[batch][maxNew];
        float[][] logProbs = new float[batch][maxNew];
        int[][] mask = new int[batch][maxNew];
        boolean[] done = new boolean[batch];
        int vocab = model.config().vocabSize;
        ModelInput input = prompt;
        for (int step = 0; step < maxNew; step++) {
            double[] l = decoder.forward(input, rows);
            int[] next = new int[batch];
            int[] pos = new int[batch];
            float[] nextMask = new float[batch];
            int alive = 0;
            for (int b = 0; b < batch; b++) {
                if (done[b]) {
                    tokens[b][step] = padId;
                    next[b] = filler;
                    pos[b] = Math.min(nextPosition[b], model.config().nPositions - 1);
                    continue;
                }
                TokenSampler.Choice c = sampler.choose(l, b * vocab, vocab, rng[b]);
                tokens[b][step] = c.token();
                logProbs[b][step] = (float) c.logProb();
                mask[b][step] = 1;
                next[b] = c.token();
                pos[b] = nextPosition[b]++;
                nextMask[b] = 1;
                if (c.token() == eosId) {
                    done[b] = true;
                } else {
                    alive++;
                }
            }
            if (alive == 0 || step == maxNew - 1) {
                for (int b = 0; b < batch; b++) {
                    for (int s = step + 1; s < maxNew; s++) {
                        tokens[b][s] = padId;
                    }
                }
                break;
            }
            input = new ModelInput(batch, 1, next, pos, nextMask);
            rows = stepRows;
        }
        int[][] promptIds = new int[batch][promptLen];
        int[][] promptMask = new int[batch][promptLen];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < promptLen; t++) {
                promptIds[b][t] = prompt.ids()[b * promptLen + t];
                promptMask[b][t] = prompt.mask()[b * promptLen + t] != 0 ? 1 : 0;
            }
        }
        return new GenerationResult(promptIds, promptMask, tokens, logProbs, mask);
    }
}
