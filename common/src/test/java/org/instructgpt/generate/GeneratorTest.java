package org.instructgpt.generate;

import org.instructgpt.Fixtures;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.ModelInput;
import org.instructgpt.model.PassRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratorTest {
    private static Fixtures.Reference ref;
    private static Gpt2Model model;

    @BeforeAll
    static void open() {
        ref = new Fixtures.Reference();
        model = Fixtures.load(Fixtures.tinyGpt2(), DataType.FLOAT);
    }

    @AfterAll
    static void close() throws Exception {
        ref.close();
    }

    private static Generator generator() {
        return new Generator(model, model.config().eosTokenId, model.config().padTokenId);
    }

    @Test
    void greedyWithKvCacheReproducesHuggingFace() {
        ModelInput prompt = ModelInput.withMask(ref.ints("gen_prompt_ids"), ref.ints("gen_prompt_mask"));
        GenerationResult r = generator().generate(prompt, new long[]{1, 2}, SamplingConfig.greedy(12));
        int[][] want = ref.ints("gen_sequences");
        assertArrayEquals(want[0], r.sequences()[0]);
        assertArrayEquals(want[1], r.sequences()[1]);
        INDArray lp = ref.floats("gen_step_logprobs");
        for (int b = 0; b < 2; b++) {
            for (int s = 0; s < 12; s++) {
                assertEquals(lp.getDouble(b, s), r.logProbs()[b][s], 1e-4, "log-prob at row " + b + ", step " + s);
                assertEquals(1, r.responseMask()[b][s]);
            }
        }
    }

    /** Sampled generation: every step's log-prob equals the one from one forward pass over the whole sequence. */
    @Test
    void cachedGenerationEqualsFullRecomputation() {
        int[][] prompts = {{5, 17, 200, 31}, {9, 8, 7, 6, 5, 4, 3}, {100}};
        SamplingConfig cfg = new SamplingConfig(10, 1.3, 0, 1.0);
        GenerationResult r = generator().generate(prompts, new long[]{11, 12, 13}, cfg);
        int[][] seq = r.sequences();
        int time = seq[0].length;
        int[][] mask = new int[seq.length][time];
        for (int b = 0; b < seq.length; b++) {
            int p = r.promptIds()[b].length;
            for (int t = 0; t < time; t++) {
                mask[b][t] = t < p ? r.promptMask()[b][t] : r.responseMask()[b][t - p];
            }
        }
        ModelInput full = ModelInput.withMask(seq, mask);
        // PPO's recomputation: the log-prob of each sampled token at the sampling temperature, in one pass.
        int p = r.promptIds()[0].length;
        int[] targets = new int[seq.length * time];
        java.util.Arrays.fill(targets, -1);
        for (int b = 0; b < seq.length; b++) {
            for (int s = 0; s < cfg.maxNewTokens(); s++) {
                if (r.responseMask()[b][s] != 0) {
                    targets[b * time + p + s - 1] = r.responseIds()[b][s];
                }
            }
        }
        double[] logProbs = model.forward(full, PassRequest.logProbs(targets).atTemperature(1.3), ForwardMode.EVAL).logProbs();
        int compared = 0;
        for (int b = 0; b < seq.length; b++) {
            for (int s = 0; s < cfg.maxNewTokens(); s++) {
                if (r.responseMask()[b][s] == 0) {
                    continue;
                }
                assertEquals(logProbs[b * time + p + s - 1], r.logProbs()[b][s], 1e-4, "row " + b + ", step " + s);
                compared++;
            }
        }
        assertTrue(compared >= 20);
    }

    @Test
    void aPromptsSampleDoesNotDependOnItsBatch() {
        int[] prompt = {40, 41, 42, 43, 44};
        SamplingConfig cfg = new SamplingConfig(8, 1.0, 50, 0.95);
        GenerationResult alone = generator().generate(new int[][]{prompt}, new long[]{99}, cfg);
        GenerationResult batched = generator().generate(new int[][]{{1, 2, 3, 4, 5, 6, 7, 8, 9}, prompt, {7}},
                new long[]{5, 99, 6}, cfg);
        assertArrayEquals(alone.responseIds()[0], batched.responseIds()[1]);
        GenerationResult otherSeed = generator().generate(new int[][]{prompt}, new long[]{100}, cfg);
        assertNotEquals(java.util.Arrays.toString(alone.responseIds()[0]), java.util.Arrays.toString(otherSeed.responseIds()[0]),
                "a different seed gives a different sample");
    }

    @Test
    void stopsAtEosThenPads() {
        // Greedy decoding of the fixture repeats token 86; make it the EOS.
        Generator g = new Generator(model, 86, 0);
        ModelInput prompt = ModelInput.withMask(ref.ints("gen_prompt_ids"), ref.ints("gen_prompt_mask"));
        GenerationResult r = g.generate(prompt, new long[]{1, 2}, SamplingConfig.greedy(6));
        for (int b = 0; b < 2; b++) {
            assertEquals(86, r.responseIds()[b][0]);
            assertEquals(1, r.responseMask()[b][0]);
            for (int s = 1; s < 6; s++) {
                assertEquals(0, r.responseIds()[b][s]);
                assertEquals(0, r.responseMask()[b][s]);
                assertEquals(0f, r.logProbs()[b][s]);
            }
            assertArrayEquals(new int[]{86}, r.responseTokens(b));
        }
    }

    @Test
    void topKOfOneAndTinyTopPAreGreedy() {
        int[][] prompts = {{5, 17, 200, 31}, {9, 8, 7}};
        GenerationResult greedy = generator().generate(prompts, new long[]{1, 2}, SamplingConfig.greedy(6));
        GenerationResult k1 = generator().generate(prompts, new long[]{1, 2}, new SamplingConfig(6, 2.0, 1, 1.0));
        GenerationResult p0 = generator().generate(prompts, new long[]{3, 4}, new SamplingConfig(6, 0.7, 0, 1e-6));
        for (int b = 0; b < 2; b++) {
            assertArrayEquals(greedy.responseIds()[b], k1.responseIds()[b]);
            assertArrayEquals(greedy.responseIds()[b], p0.responseIds()[b]);
        }
        // The reported log-prob is that of the temperature-scaled distribution, not of the filtered one.
        assertTrue(k1.logProbs()[0][0] < 0);
    }
}
