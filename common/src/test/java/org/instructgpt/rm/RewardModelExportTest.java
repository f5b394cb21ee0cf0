package org.instructgpt.rm;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.Fixtures;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.ModelInput;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Hugging Face export against the {@code tiny-gpt2-rm} fixture ({@code GPT2ForSequenceClassification}, made with
 * transformers): read it and score its inputs as Hugging Face did; set a bias, write, read back, and the scores are
 * Hugging Face's plus the bias.
 */
class RewardModelExportTest {
    @TempDir
    java.nio.file.Path tmp;

    @Test
    void readsScoresWritesAndReadsBackTheFixtureWithItsBias() throws Exception {
        FileSystem fs = Fixtures.localFs();
        try (Fixtures.Reference ref = new Fixtures.Reference()) {
            ModelInput in = ModelInput.withMask(ref.ints("rm_input_ids"), ref.ints("rm_attention_mask"));
            INDArray want = ref.floats("rm_scores");
            Gpt2Model hf = ModelCheckpoint.load(fs, Fixtures.tinyGpt2Rm(), DataType.FLOAT).model();
            double[] read = RewardModel.scores(hf, in);
            assertEquals(0.0, RewardModel.bias(hf), "a Hugging Face classifier has no bias of ours");
            assertEquals(want.getDouble(0), read[0], 1e-4);
            assertEquals(want.getDouble(1), read[1], 1e-4);

            Path copy = new Path(tmp.resolve("rm").toUri());
            ModelCheckpoint.save(fs, copy, hf, new ByteLevelTokenizer(), null, null);
            RewardModel.writeBias(fs, copy, -0.75);
            Gpt2Model back = ModelCheckpoint.load(fs, copy, DataType.FLOAT).model();
            assertEquals(-0.75, RewardModel.bias(back));
            double[] again = RewardModel.scores(back, in);
            assertEquals(read[0] - 0.75, again[0], 1e-6);
            assertEquals(read[1] - 0.75, again[1], 1e-6);
        }
    }
}
