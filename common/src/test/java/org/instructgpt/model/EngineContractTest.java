package org.instructgpt.model;

import org.instructgpt.model.EngineFixtures.Setup;
import org.instructgpt.model.cpu.VectorSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.instructgpt.model.EngineFixtures.relativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pass contract, run against every float engine and held to the ND4J engine in double precision (itself held to
 * finite differences in {@code nd4j.GradientCheckTest} and to Hugging Face in {@link HuggingFaceContractTest}): the
 * LM loss and every gradient with dropout at all three sites, padding on both sides and a loss mask; log-probs at a
 * temperature with their entropy, the scalar head at every position, and the backward from arbitrary per-token
 * weights on both heads at once (PPO's policy loss and the value loss are such weights). Shapes are chosen off the
 * vector width so that every tile and remainder of the array engine runs.
 */
class EngineContractTest {
    static Stream<Setup> floatEngines() {
        return Stream.of(EngineFixtures.ND4J_FLOAT, EngineFixtures.ARRAY_FLOAT);
    }

    static Stream<Arguments> enginesAndShapes() {
        return floatEngines().flatMap(s -> Stream.of(
                // head dim 10, 3 rows of 19: every product in the scalar column path and the 1-row tiles
                Arguments.of(s, GptConfig.of(37, 24, 40, 2, 4), 3, 19),
                // head dim 32, inner 256: whole panels, 8-row tiles and remainders (2 x 43 rows)
                Arguments.of(s, GptConfig.of(64, 48, 64, 2, 2), 2, 43),
                // head dim 8 (below one vector) and 5 heads
                Arguments.of(s, GptConfig.of(37, 24, 40, 2, 5), 3, 19),
                // 100 positions: attention's causal blocks of 32 (three whole, a partial fourth)
                Arguments.of(s, GptConfig.of(37, 112, 24, 1, 2), 2, 100)));
    }

    @Test
    void theBuildRunsTheArrayEngineAndAutoPicksByPrecision() {
        assertTrue(VectorSupport.available(), "surefire must start the JVM with --add-modules=jdk.incubator.vector");
        GptConfig cfg = GptConfig.of(37, 24, 40, 2, 4);
        assertEquals(EngineKind.ARRAY, Gpt2Model.create(cfg, DataType.FLOAT, false).engine().kind());
        assertEquals(EngineKind.ND4J, Gpt2Model.create(cfg, DataType.DOUBLE, false).engine().kind());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Gpt2Model.create(cfg, DataType.DOUBLE, false, EngineKind.ARRAY));
        assertTrue(e.getMessage().contains("float32"), e.getMessage());
    }

    @ParameterizedTest(name = "{0} {2}x{3}")
    @MethodSource("enginesAndShapes")
    void lmLossAndEveryGradientMatchTheReference(Setup s, GptConfig base, int batch, int time) {
        GptConfig cfg = base.withDropout(0.1);
        Gpt2Model[] m = EngineFixtures.referenceAnd(s, cfg, false);
        ModelInput in = EngineFixtures.paddedInput(cfg, batch, time);
        LanguageModelLoss.Targets t = LanguageModelLoss.shifted(in, EngineFixtures.secondHalfMask(batch, time));
        ForwardMode mode = ForwardMode.train(42);

        double want = LanguageModelLoss.forwardBackward(m[0], in, t, t.weightSum(), mode);
        double got = LanguageModelLoss.forwardBackward(m[1], in, t, t.weightSum(), mode);
        assertEquals(want, got, 1e-5 * Math.abs(want));
        assertGradientsMatch(m, tolerance(s));
        // Dropout changes the loss (so the masks above were really applied), and evaluation matches the reference.
        double eval = LanguageModelLoss.loss(m[1], in, t, t.weightSum());
        assertEquals(LanguageModelLoss.loss(m[0], in, t, t.weightSum()), eval, 1e-5 * Math.abs(eval));
        assertTrue(Math.abs(eval - got) > 1e-4 * Math.abs(eval), "dropout had no effect");
    }

    @ParameterizedTest(name = "{0} {2}x{3}")
    @MethodSource("enginesAndShapes")
    void logProbsEntropyAndScalarWithArbitraryWeightsMatchTheReference(Setup s, GptConfig cfg, int batch, int time) {
        Gpt2Model[] m = EngineFixtures.referenceAnd(s, cfg, true);
        ModelInput in = EngineFixtures.paddedInput(cfg, batch, time);
        int n = batch * time;
        SplittableRandom r = new SplittableRandom(4);
        int[] targets = new int[n];
        double[] dLogProbs = new double[n];
        double[] dScalar = new double[n];
        for (int i = 0; i < n; i++) {
            boolean scored = in.mask()[i] != 0 && i % 5 != 0;
            targets[i] = scored ? r.nextInt(cfg.vocabSize) : -1;
            dLogProbs[i] = scored ? r.nextGaussian() : 0;
            dScalar[i] = in.mask()[i] != 0 ? r.nextGaussian() : 0;
        }
        PassRequest request = PassRequest.logProbs(targets).atTemperature(0.7).withEntropy().withScalar();
        PassOutput[] out = new PassOutput[2];
        for (int k = 0; k < 2; k++) {
            out[k] = m[k].forwardBackward(in, request, ForwardMode.train(7),
                    o -> new GptEngine.OutputGradient(dLogProbs, dScalar));
        }
        assertTrue(relativeError(out[1].logProbs(), out[0].logProbs()) < 1e-5, "log-probs");
        // The entropy is a difference of two sums over the vocabulary: float rounding shows at 2e-5 of its largest.
        assertTrue(relativeError(out[1].entropy(), out[0].entropy()) < 5e-5, "entropy");
        assertTrue(relativeError(out[1].scalar(), out[0].scalar()) < 1e-5, "scalar head");
        for (int i = 0; i < n; i++) {
            if (targets[i] < 0) {
                assertEquals(0.0, out[1].logProbs()[i], "a row without a target has no log-prob");
            } else {
                assertTrue(out[1].logProbs()[i] < 0 && out[1].entropy()[i] > 0, "row " + i);
            }
        }
        assertGradientsMatch(m, tolerance(s));
    }

    /**
     * The reward model's path: scores read at each sequence's last real token (where the array engine runs its top
     * block's queries, projection and MLP at those rows only) and their backward, against the reference's full pass.
     */
    @ParameterizedTest(name = "{0} {2}x{3}")
    @MethodSource("enginesAndShapes")
    void rewardScoresAndTheirBackwardAtTheLastRealToken(Setup s, GptConfig cfg, int batch, int time) {
        Gpt2Model[] m = EngineFixtures.referenceAnd(s, cfg, true);
        ModelInput in = EngineFixtures.paddedInput(cfg, batch, time);
        double[] dScores = new SplittableRandom(6).doubles(batch, -1.5, 1.5).toArray();
        double[][] scores = new double[2][];
        for (int k = 0; k < 2; k++) {
            scores[k] = ScalarHead.forwardBackward(m[k], in, ForwardMode.EVAL, s2 -> dScores);
        }
        assertTrue(relativeError(scores[1], scores[0]) < 1e-5, "scores");
        assertTrue(relativeError(ScalarHead.scores(m[1], in), scores[0]) < 1e-5, "scores without a backward");
        int[] rows = ScalarHead.lastTokenRows(in);
        double[] all = m[1].forward(in, PassRequest.scalarAt(rows), ForwardMode.EVAL).scalar();
        assertTrue(Double.isNaN(all[rows[0] - 1]) && !Double.isNaN(all[rows[0]]), "only the wanted rows are scored");
        assertGradientsMatch(m, tolerance(s));
        // Only the score head and what feeds the last real tokens receive a gradient: wte rows of unused ids do not.
        assertTrue(m[1].grads().get(Gpt2Layout.SCORE).amaxNumber().doubleValue() > 0);
    }

    /**
     * A prompt's K responses begin with the same rows, which the array engine computes once (a tie and a response that
     * is another's prefix among them): the same scores and gradient as the reference's pass over every row.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("floatEngines")
    void rewardScoresOfResponsesSharingTheirPrompt(Setup s) {
        GptConfig cfg = GptConfig.of(61, 48, 64, 3, 2);
        Gpt2Model[] m = EngineFixtures.referenceAnd(s, cfg, true);
        ModelInput in = EngineFixtures.sharedPromptInput(cfg, 3, 4, 30);
        double[] dScores = new SplittableRandom(8).doubles(in.batch(), -1.5, 1.5).toArray();
        double[][] scores = new double[2][];
        for (int k = 0; k < 2; k++) {
            scores[k] = ScalarHead.forwardBackward(m[k], in, ForwardMode.EVAL, s2 -> dScores);
        }
        assertTrue(relativeError(scores[1], scores[0]) < 1e-5, "scores");
        assertTrue(relativeError(ScalarHead.scores(m[1], in), scores[0]) < 1e-5, "scores without a backward");
        assertEquals(scores[1][0], scores[1][1], 1e-5 * Math.abs(scores[1][0]), "a tie scores the same");
        assertGradientsMatch(m, tolerance(s));
    }

    /**
     * How close a float engine's gradient comes to the double reference, relative to each tensor's largest entry: the
     * array engine's products are FMA chains in index order (2e-4 held since it landed); ND4J's float ops round
     * differently (2.1e-4 measured on the second shape).
     */
    static double tolerance(Setup s) {
        return s.engine() == EngineKind.ARRAY ? 2e-4 : 3e-4;
    }

    /** m[1]'s gradient against the reference m[0]'s, tensor by tensor, relative to each tensor's largest entry. */
    static void assertGradientsMatch(Gpt2Model[] m, double tolerance) {
        for (String name : m[1].grads().names()) {
            double err = relativeError(m[1].grads().get(name), m[0].grads().get(name));
            assertTrue(err < tolerance, name + ": gradient differs from the reference by " + err + " of its largest entry");
        }
    }
}
