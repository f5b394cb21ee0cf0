package org.instructgpt.model;

import org.instructgpt.Fixtures;
import org.instructgpt.model.EngineFixtures.Setup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every engine against Hugging Face's GPT-2 on the tiny fixture (transformers 5.17.0): logits, loss, every gradient,
 * a left-padded batch and the reward head's scores.
 */
class HuggingFaceContractTest {
    private static Fixtures.Reference ref;

    @BeforeAll
    static void open() {
        ref = new Fixtures.Reference();
    }

    @AfterAll
    static void close() throws Exception {
        ref.close();
    }

    static Stream<Setup> engines() {
        return Stream.of(EngineFixtures.ND4J_DOUBLE, EngineFixtures.ND4J_FLOAT, EngineFixtures.ARRAY_FLOAT);
    }

    private static Gpt2Model load(Setup s, org.apache.hadoop.fs.Path dir) {
        Gpt2Model m = Fixtures.load(dir, s.dtype(), s.engine());
        assertEquals(s.engine(), m.engine().kind());
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void logitsLossAndEveryGradientMatch(Setup s) {
        Gpt2Model model = load(s, Fixtures.tinyGpt2());
        ModelInput in = ModelInput.of(ref.ints("input_ids"));
        double[] logits = EngineFixtures.logits(model, in);
        double[] expected = ref.floats("logits").castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).reshape(-1).toDoubleVector();
        double diff = 0;
        for (int i = 0; i < logits.length; i++) {
            diff = Math.max(diff, Math.abs(logits[i] - expected[i]));
        }
        assertTrue(diff < 1e-4, "logits differ by " + diff);

        LanguageModelLoss.Targets t = LanguageModelLoss.shifted(in, null);
        assertEquals(30.0, t.weightSum());
        model.grads().zero();
        double loss = LanguageModelLoss.forwardBackward(model, in, t, t.weightSum(), ForwardMode.EVAL);
        assertEquals(ref.floats("loss").getDouble(0), loss, 1e-5);

        int checked = 0;
        for (String key : ref.reader().tensors().keySet()) {
            if (!key.startsWith("grad.")) {
                continue;
            }
            String name = key.substring("grad.".length());
            INDArray want = ref.floats(key);
            double scale = want.amaxNumber().doubleValue();
            double err = EngineFixtures.relativeError(model.grads().get(name).reshape(want.shape()), want) * scale;
            assertTrue(err <= 1e-4 * scale, name + ": gradient differs by " + err + " (largest magnitude " + scale + ")");
            checked++;
        }
        assertEquals(model.params().names().size(), checked, "every parameter has a reference gradient");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void leftPaddedBatchMatchesWhereTheMaskIsOne(Setup s) {
        Gpt2Model model = load(s, Fixtures.tinyGpt2());
        int[][] ids = ref.ints("leftpad_input_ids");
        int[][] mask = ref.ints("leftpad_attention_mask");
        ModelInput in = ModelInput.withMask(ids, mask);
        int[][] positions = ref.ints("leftpad_position_ids");
        for (int b = 0; b < in.batch(); b++) {
            for (int t = 0; t < in.time(); t++) {
                assertEquals(positions[b][t], in.positions()[b * in.time() + t], "position id at " + b + "," + t);
            }
        }
        double[] logits = EngineFixtures.logits(model, in);
        double[] expected = ref.floats("leftpad_logits").castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).reshape(-1).toDoubleVector();
        int vocab = model.config().vocabSize;
        int compared = 0;
        for (int b = 0; b < in.batch(); b++) {
            for (int t = 0; t < in.time(); t++) {
                if (mask[b][t] == 1) {
                    int row = b * in.time() + t;
                    for (int v = 0; v < vocab; v++) {
                        double d = Math.abs(logits[row * vocab + v] - expected[row * vocab + v]);
                        assertTrue(d < 1e-4, "left-padded logits differ by " + d + " at row " + b + ", position " + t);
                    }
                    compared++;
                }
            }
        }
        assertTrue(compared > 20);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void rewardHeadMatchesSequenceClassification(Setup s) {
        Gpt2Model rm = load(s, Fixtures.tinyGpt2Rm());
        assertTrue(rm.hasScoreHead());
        ModelInput in = ModelInput.withMask(ref.ints("rm_input_ids"), ref.ints("rm_attention_mask"));
        double[] scores = ScalarHead.scores(rm, in);
        INDArray want = ref.floats("rm_scores");
        assertEquals(want.getDouble(0), scores[0], 1e-4);
        assertEquals(want.getDouble(1), scores[1], 1e-4);
    }
}
