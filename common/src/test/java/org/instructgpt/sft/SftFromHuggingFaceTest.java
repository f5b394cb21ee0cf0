package org.instructgpt.sft;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.Fixtures;
import org.instructgpt.HuggingFaceDirs;
import org.instructgpt.SparkTestSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetIO;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.train.TrainingLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SFT from a directory laid out as Hugging Face saves a GPT-2: config.json without a pad token, model.safetensors and
 * GPT-2's real tokenizer files (50,257 tokens, no pad token), as a user starting from their own checkpoint has.
 */
class SftFromHuggingFaceTest {
    @TempDir
    java.nio.file.Path tmp;

    @Test
    void fineTunesAGpt2WithoutAPadToken() throws Exception {
        SparkSession spark = SparkTestSession.get();
        java.nio.file.Path base = tmp.resolve("gpt2");
        Gpt2Model init = HuggingFaceDirs.gpt2Shaped(base, 16, 3);
        assertEquals(-1, init.config().padTokenId);
        FileSystem fs = Fixtures.localFs();

        List<DataRecord> demos = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            demos.add(new DataRecord.Demonstration("p" + i, "Question " + i + ": what is " + i + " plus one?",
                    " It is " + (i + 1) + ".", "u" + i, null, i < 10 ? "train" : "validation"));
        }
        String data = tmp.resolve("demos").toString();
        DatasetIO.write(spark, demos, DatasetKind.DEMONSTRATIONS, data);
        String out = tmp.resolve("sft").toString();
        TrainingLoop.Summary s = SftStage.run(spark, Configs.load(null, List.of(
                "instructgpt.sft.base=\"" + base + "\"",
                "instructgpt.sft.data=\"" + data + "\"",
                "instructgpt.sft.output=\"" + out + "\"",
                "instructgpt.sft.epochs=2",
                "instructgpt.sft.max-length=32",
                "instructgpt.sft.optimizer.batch-size=4",
                "instructgpt.sft.optimizer.micro-batch=2")));
        assertEquals(6, s.steps());
        assertTrue(Double.isFinite(s.finalLoss()) && s.finalLoss() > 0, "loss " + s.finalLoss());
        Path fin = new Path(tmp.resolve("sft/final").toUri());
        ModelCheckpoint.Loaded tuned = ModelCheckpoint.load(fs, fin, DataType.FLOAT);
        assertTrue(tuned.verified());
        assertEquals(50257, tuned.tokenizer().orElseThrow().vocabSize());
        assertEquals(-1, tuned.tokenizer().orElseThrow().padId(), "GPT-2's tokenizer has no pad token");
        assertTrue(Files.exists(tmp.resolve("sft/final/tokenizer.json")));
        double moved = tuned.model().params().flat().sub(init.params().flat()).amaxNumber().doubleValue();
        assertTrue(moved > 0, "the parameters were trained");
    }
}
