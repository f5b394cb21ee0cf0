package org.instructgpt.model;

import org.instructgpt.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our GPT-2 against Hugging Face's on the tiny fixture: logits, loss, every gradient, left padding, reward head. */
class HuggingFaceReferenceTest {
    private static Fixtures.Reference ref;

    @BeforeAll
    static void open() {
        ref = new Fixtures.Reference();
    }

    @AfterAll
    static void close() throws Exception {
        ref.close();
    }

    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE).reshape(a.shape())).amaxNumber().doubleValue();
    }

    @Test
    void logitsLossAndEveryGradientMatch() {
        Gpt2Model model = Fixtures.load(Fixtures.tinyGpt2(), DataType.FLOAT);
        ModelInput in = ModelInput.of(ref.ints("input_ids"));
        INDArray hidden = model.forward(in, null, ForwardMode.EVAL);
        INDArray logits = model.lmLogits(hidden);
        INDArray expected = ref.floats("logits").reshape(logits.shape());
        assertTrue(maxAbsDiff(logits, expected) < 1e-4, "logits differ by " + maxAbsDiff(logits, expected));

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
            INDArray got = model.grads().get(name);
            double scale = want.amaxNumber().doubleValue();
            double diff = maxAbsDiff(got, want);
            assertTrue(diff <= 1e-4 * scale, name + ": gradient differs by " + diff + " (largest magnitude " + scale + ")");
            checked++;
        }
        assertEquals(model.params().names().size(), checked, "every parameter has a reference gradient");
    }

    @Test
    void leftPaddedBatchMatchesWhereTheMaskIsOne() {
        Gpt2Model model = Fixtures.load(Fixtures.tinyGpt2(), DataType.FLOAT);
        int[][] ids = ref.ints("leftpad_input_ids");
        int[][] mask = ref.ints("leftpad_attention_mask");
        ModelInput in = ModelInput.withMask(ids, mask);
        int[][] positions = ref.ints("leftpad_position_ids");
        for (int b = 0; b < in.batch(); b++) {
            for (int t = 0; t < in.time(); t++) {
                assertEquals(positions[b][t], in.positions()[b * in.time() + t], "position id at " + b + "," + t);
            }
        }
        INDArray logits = model.lmLogits(model.forward(in, null, ForwardMode.EVAL));
        INDArray expected = ref.floats("leftpad_logits").reshape(logits.shape());
        int compared = 0;
        for (int b = 0; b < in.batch(); b++) {
            for (int t = 0; t < in.time(); t++) {
                if (mask[b][t] == 1) {
                    int row = b * in.time() + t;
                    double d = maxAbsDiff(logits.getRow(row), expected.getRow(row));
                    assertTrue(d < 1e-4, "left-padded logits differ by " + d + " at row " + b + ", position " + t);
                    compared++;
                }
            }
        }
        assertTrue(compared > 20);
    }

    @Test
    void rewardHeadMatchesSequenceClassification() {
        Gpt2Model rm = Fixtures.load(Fixtures.tinyGpt2Rm(), DataType.FLOAT);
        assertTrue(rm.hasScoreHead());
        ModelInput in = ModelInput.withMask(ref.ints("rm_input_ids"), ref.ints("rm_attention_mask"));
        INDArray scores = rm.scores(rm.forward(in, null, ForwardMode.EVAL), Gpt2Model.lastTokenRows(in));
        INDArray want = ref.floats("rm_scores");
        assertEquals(want.getDouble(0), scores.getDouble(0), 1e-4);
        assertEquals(want.getDouble(1), scores.getDouble(1), 1e-4);
    }
}
