package org.instructgpt.model.cpu;

import org.instructgpt.model.EngineFixtures;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.ModelInput;
import org.instructgpt.model.ScalarHead;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rows a prompt's responses share: which they are, how they move between layouts, and the engine's results. */
class SharedPrefixRowsTest {
    @Test
    void aSequenceSharesItsLeadingRowsWithThePreviousOneUpToItsFirstWantedRow() {
        ModelInput in = ModelInput.withMask(
                new int[][]{{1, 2, 3, 4, 5, 0}, {1, 2, 3, 7, 0, 0}, {1, 2, 3, 7, 0, 0}, {1, 2, 9, 9, 9, 9},
                        {8, 2, 3, 0, 0, 0}},
                new int[][]{{1, 1, 1, 1, 1, 0}, {1, 1, 1, 1, 0, 0}, {1, 1, 1, 1, 0, 0}, {1, 1, 1, 1, 1, 1},
                        {1, 1, 1, 0, 0, 0}});
        int[] wanted = {4, 9, 15, 23, 26};
        SharedPrefixRows shared = SharedPrefixRows.of(in, wanted);
        // Sequence 1 shares 3 rows with 0, 2 (a tie of 1) is cut before its wanted row 3, 3 shares 2, 4 none.
        assertEquals(30 - 3 - 3 - 2, shared.rows());
        int[] compact = shared.compact(wanted);
        assertArrayEquals(new int[]{4, 6, 9, 15, 18}, compact);
        assertEquals(9, shared.first(6), "compact row 6 is sequence 1's first row of its own");

        // expand then gather is the identity on compact rows; sum adds every copy into its first row.
        float[] m = new float[30 * 2];
        for (int u = 0; u < shared.rows(); u++) {
            m[2 * u] = u;
            m[2 * u + 1] = -u;
        }
        float[] before = Arrays.copyOf(m, 2 * shared.rows());
        shared.expand(m, 2);
        assertEquals(1f, m[2 * 7], "row 7 (sequence 1's second) holds sequence 0's second row");
        assertEquals(1f, m[2 * 13], "and so does row 13 (sequence 2's second), through sequence 1");
        float[] full = m.clone();
        shared.gather(m, 2);
        assertArrayEquals(before, Arrays.copyOf(m, before.length));
        shared.sum(full, 2);
        assertEquals(3f * 1 + 1, full[2], "row 1 is used by sequences 0, 1, 2 and 3");
        assertEquals(3f * 2, full[4], "row 2 by sequences 0, 1 and 2");
        float[] first = new float[30 * 2];
        System.arraycopy(before, 0, first, 0, before.length);
        shared.expandFirstOnly(first, 2);
        assertEquals(0f, first[2 * 7]);
        assertEquals(6f, first[2 * 9], "sequence 1's first row of its own keeps its value");

        assertNull(SharedPrefixRows.of(ModelInput.of(new int[][]{{1, 2}, {2, 1}}), new int[]{1, 3}));
    }

    /**
     * Responses that share their prompt give, batched together, the scores and the summed gradient that each gives
     * alone: computing the shared rows once is exact up to the order of the weights' gradient sums.
     */
    @Test
    void sharedPromptsScoreAndBackPropagateAsEachResponseAlone() {
        GptConfig cfg = GptConfig.of(61, 48, 64, 3, 2);
        ModelInput in = EngineFixtures.sharedPromptInput(cfg, 3, 4, 30);
        assertTrue(SharedPrefixRows.of(in, ScalarHead.lastTokenRows(in)).rows() < 0.8 * 12 * 30);
        Gpt2Model batched = EngineFixtures.referenceAnd(EngineFixtures.ARRAY_FLOAT, cfg, true)[1];
        Gpt2Model alone = EngineFixtures.referenceAnd(EngineFixtures.ARRAY_FLOAT, cfg, true)[1];
        double[] dScores = new SplittableRandom(8).doubles(in.batch(), -1.5, 1.5).toArray();
        batched.grads().zero();
        alone.grads().zero();
        double[] scores = ScalarHead.forwardBackward(batched, in, ForwardMode.EVAL, s -> dScores);
        for (int b = 0; b < in.batch(); b++) {
            int t = in.time();
            ModelInput one = new ModelInput(1, t, Arrays.copyOfRange(in.ids(), b * t, (b + 1) * t),
                    Arrays.copyOfRange(in.positions(), b * t, (b + 1) * t),
                    Arrays.copyOfRange(in.mask(), b * t, (b + 1) * t));
            double d = dScores[b];
            double[] s = ScalarHead.forwardBackward(alone, one, ForwardMode.EVAL, x -> new double[]{d});
            assertEquals(s[0], scores[b], 1e-6 * Math.max(1, Math.abs(s[0])), "sequence " + b);
        }
        for (String name : batched.grads().names()) {
            double err = EngineFixtures.relativeError(batched.grads().get(name), alone.grads().get(name));
            assertTrue(err < 1e-5, name + " differs by " + err);
        }
    }
}
