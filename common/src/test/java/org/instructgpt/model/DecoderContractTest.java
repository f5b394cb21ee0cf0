package org.instructgpt.model;

import org.instructgpt.generate.GenerationResult;
import org.instructgpt.generate.Generator;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.model.EngineFixtures.Setup;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every engine's cached decoder against the ND4J engine's in double precision, step by step, and its reuse. */
class DecoderContractTest {
    static Stream<Setup> floatEngines() {
        return EngineContractTest.floatEngines();
    }

    static Stream<Arguments> enginesAndShapes() {
        return floatEngines().flatMap(s -> Stream.of(
                // head dim 8 (below one vector), widths and vocab off every vector multiple, 3 rows (no 4-row tile)
                Arguments.of(s, GptConfig.of(37, 48, 24, 2, 3), 3, 19),
                // head dim 32 and 40 cached keys (whole vectors of keys), 5 rows (a 4-row tile and a single row)
                Arguments.of(s, GptConfig.of(259, 48, 64, 2, 2), 5, 20)));
    }

    @ParameterizedTest(name = "{0} {2}x{3}")
    @MethodSource("enginesAndShapes")
    void logitsMatchTheReferenceEveryStep(Setup s, GptConfig cfg, int batch, int promptLen) {
        Gpt2Model[] m = EngineFixtures.referenceAnd(s, cfg, false);
        SplittableRandom r = new SplittableRandom(8);
        int steps = 6;
        Decoder want = m[0].decoder(batch, promptLen + steps);
        Decoder got = m[1].decoder(batch, promptLen + steps);
        // Left-padded prompts: row b starts with 3b padding positions.
        int[] ids = new int[batch * promptLen];
        int[] pos = new int[batch * promptLen];
        float[] mask = new float[batch * promptLen];
        int[] next = new int[batch];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < promptLen; t++) {
                int i = b * promptLen + t;
                boolean real = t >= 3 * b;
                ids[i] = real ? r.nextInt(cfg.vocabSize) : 0;
                mask[i] = real ? 1 : 0;
                pos[i] = real ? t - 3 * b : 0;
            }
            next[b] = promptLen - 3 * b;
        }
        ModelInput in = new ModelInput(batch, promptLen, ids, pos, mask);
        for (int step = 0; step <= steps; step++) {
            int[] rows = new int[batch * in.time()];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = i;
            }
            double[] expected = want.forward(in, rows);
            double[] actual = got.forward(in, rows);
            double scale = 0;
            for (double v : expected) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < in.time(); t++) {
                    if (in.mask()[b * in.time() + t] == 0) {
                        continue;
                    }
                    for (int v = 0; v < cfg.vocabSize; v++) {
                        int i = (b * in.time() + t) * cfg.vocabSize + v;
                        assertEquals(expected[i], actual[i], 1e-4 * scale, "step " + step + " row " + b + " position " + t);
                    }
                }
            }
            if (step == steps) {
                break;
            }
            int[] nid = new int[batch];
            int[] npos = new int[batch];
            float[] nmask = new float[batch];
            for (int b = 0; b < batch; b++) {
                nid[b] = r.nextInt(cfg.vocabSize);
                npos[b] = next[b]++;
                nmask[b] = 1;
            }
            in = new ModelInput(batch, 1, nid, npos, nmask);
        }
        assertEquals(promptLen + steps, got.length());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("floatEngines")
    void isReusedEmptiedAndRebuiltWhenTheParametersChange(Setup s) {
        GptConfig cfg = GptConfig.of(37, 16, 24, 1, 3);
        Gpt2Model m = EngineFixtures.referenceAnd(s, cfg, false)[1];
        ModelInput in = ModelInput.of(new int[][]{{1, 2, 3}, {4, 5, 6}});
        int[] rows = {2, 5};
        Decoder first = m.decoder(2, 8);
        double[] before = first.forward(in, rows);
        Decoder again = m.decoder(2, 8);
        assertSame(first, again, "the same shape reuses the decoder");
        assertEquals(0, again.length(), "and empties it");
        assertArrayEquals(before, again.forward(in, rows));

        m.params().get(Gpt2Layout.LN_F_BIAS).addi(0.5);
        double[] after = m.decoder(2, 8).forward(in, rows);
        assertNotEquals(before[0], after[0], "a parameter change reaches the next decoder");
        m.params().get(Gpt2Layout.LN_F_BIAS).subi(0.5);
        double[] restored = m.decoder(2, 8).forward(in, rows);
        for (int i = 0; i < before.length; i++) {
            assertEquals(before[i], restored[i], 1e-5);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("floatEngines")
    void refusesInputBeyondItsCapacity(Setup s) {
        GptConfig cfg = GptConfig.of(37, 16, 24, 1, 3);
        Gpt2Model m = EngineFixtures.referenceAnd(s, cfg, false)[1];
        Decoder decoder = m.decoder(1, 4);
        ModelInput in = new ModelInput(1, 5, new int[]{1, 2, 3, 4, 5}, new int[]{0, 1, 2, 3, 4}, new float[]{1, 1, 1, 1, 1});
        assertThrows(IllegalStateException.class, () -> decoder.forward(in, new int[]{4}));
        assertThrows(IllegalArgumentException.class, () -> m.decoder(1, 17));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("floatEngines")
    void greedyGenerationMatchesTheReference(Setup s) {
        Gpt2Model[] m = EngineFixtures.referenceAnd(s, GptConfig.of(37, 24, 40, 2, 5), false);
        int[][] prompts = {{1, 2, 3}, {4, 5, 6, 7, 8, 9, 10}, {11}};
        long[] seeds = {1, 2, 3};
        GenerationResult d = new Generator(m[0], -1, 0).generate(prompts, seeds, SamplingConfig.greedy(12));
        GenerationResult f = new Generator(m[1], -1, 0).generate(prompts, seeds, SamplingConfig.greedy(12));
        for (int b = 0; b < prompts.length; b++) {
            assertArrayEquals(d.responseIds()[b], f.responseIds()[b], "row " + b);
            for (int step = 0; step < 12; step++) {
                assertEquals(d.logProbs()[b][step], f.logProbs()[b][step], 1e-4, "row " + b + " step " + step);
            }
        }
        assertTrue(d.responseIds()[0].length == 12);
    }
}
