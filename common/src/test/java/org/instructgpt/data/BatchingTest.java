package org.instructgpt.data;

import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.EngineFixtures;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.ScalarHead;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.ModelInput;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchingTest {
    private static final ByteLevelTokenizer TOK = new ByteLevelTokenizer();

    @Test
    void demonstrationLossCoversCompletionAndEosOnly() {
        TokenizedExample e = new ExampleEncoder(TOK, 64).demonstration("Q:", " ab");
        assertArrayEquals(new int[]{'Q', ':', ' ', 'a', 'b', ByteLevelTokenizer.EOS}, e.ids());
        assertArrayEquals(new float[]{0, 0, 1, 1, 1, 1}, e.lossMask());
        assertFalse(e.truncated());
    }

    @Test
    void truncationKeepsThePromptEndAndIsRecorded() {
        TokenizedExample e = new ExampleEncoder(TOK, 8).demonstration("0123456789", "abcdefghij");
        assertTrue(e.truncated());
        assertEquals(8, e.length());
        // Half the budget for the prompt's end, the rest for the completion's start; no EOS fits.
        assertArrayEquals(new int[]{'6', '7', '8', '9', 'a', 'b', 'c', 'd'}, e.ids());
        assertArrayEquals(new float[]{0, 0, 0, 0, 1, 1, 1, 1}, e.lossMask());
        TokenizedExample shortCompletion = new ExampleEncoder(TOK, 8).demonstration("0123456789", "a");
        assertArrayEquals(new int[]{'4', '5', '6', '7', '8', '9', 'a', ByteLevelTokenizer.EOS}, shortCompletion.ids());
    }

    @Test
    void rightPaddedBatchPredictsOnlyRealCompletionTokens() {
        ExampleEncoder enc = new ExampleEncoder(TOK, 64);
        Batches.TrainingBatch b = Batches.rightPadded(List.of(enc.demonstration("A", "b"), enc.demonstration("CCC", "dd")),
                ByteLevelTokenizer.PAD);
        ModelInput in = b.input();
        assertEquals(6, in.time());
        assertArrayEquals(new int[]{'A', 'b', ByteLevelTokenizer.EOS, 258, 258, 258}, java.util.Arrays.copyOf(in.ids(), 6));
        assertArrayEquals(new int[]{0, 1, 2, 2, 2, 2}, java.util.Arrays.copyOf(in.positions(), 6));
        // Row 0: position 0 predicts 'b', position 1 predicts EOS, nothing else.
        assertArrayEquals(new float[]{1, 1, 0, 0, 0, 0}, java.util.Arrays.copyOf(b.targets().weights(), 6));
        assertEquals('b', b.targets().targets()[0]);
        assertEquals(ByteLevelTokenizer.EOS, b.targets().targets()[1]);
        // Row 1: "CCC" then "dd" EOS: positions 2, 3, 4 predict d, d, EOS.
        assertArrayEquals(new float[]{0, 0, 1, 1, 1, 0}, java.util.Arrays.copyOfRange(b.targets().weights(), 6, 12));
        assertEquals(5.0, b.targets().weightSum());
    }

    @Test
    void paddingDoesNotChangeTheRealTokensLogits() {
        Gpt2Model m = Gpt2Model.create(GptConfig.of(ByteLevelTokenizer.VOCAB, 32, 16, 2, 2), DataType.FLOAT, true);
        m.initialize(3);
        ExampleEncoder enc = new ExampleEncoder(TOK, 32);
        TokenizedExample shortOne = enc.demonstration("Hi", " there");
        TokenizedExample longOne = enc.demonstration("A longer prompt", " and answer");
        ModelInput padded = Batches.rightPadded(List.of(shortOne, longOne), ByteLevelTokenizer.PAD).input();
        ModelInput alone = ModelInput.of(new int[][]{shortOne.ids()});
        double[] a = EngineFixtures.logits(m, padded);
        double[] s = EngineFixtures.logits(m, alone);
        for (int i = 0; i < shortOne.length() * ByteLevelTokenizer.VOCAB; i++) {
            assertEquals(s[i], a[i], 1e-5, "position " + i / ByteLevelTokenizer.VOCAB);
        }
        // The scalar head reads the last real token of each right-padded row.
        double padScore = ScalarHead.scores(m, padded)[0];
        double aloneScore = ScalarHead.scores(m, alone)[0];
        assertEquals(aloneScore, padScore, 1e-5);
    }

    @Test
    void leftPaddingAlignsPromptEnds() {
        ModelInput in = Batches.leftPadded(new int[][]{{5, 6}, {7, 8, 9}}, 0);
        assertArrayEquals(new int[]{0, 5, 6, 7, 8, 9}, in.ids());
        assertArrayEquals(new float[]{0, 1, 1, 1, 1, 1}, in.mask());
        assertArrayEquals(new int[]{0, 0, 1, 0, 1, 2}, in.positions());
    }
}
