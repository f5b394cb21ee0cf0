package org.instructgpt.rm;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.Fixtures;
import org.instructgpt.SparkTestSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.Batches;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetIO;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Distributed scoring gives every row the score the reward model gives it alone, bias included. */
class ScoreStageTest {
    @TempDir
    java.nio.file.Path tmp;

    @Test
    void everyRowGetsItsOwnScoreWithTheBias() throws Exception {
        SparkSession spark = SparkTestSession.get();
        Gpt2Model rm = Gpt2Model.create(GptConfig.of(ByteLevelTokenizer.VOCAB, 64, 32, 2, 2).asScalarModel()
                .with(RewardModel.BIAS, 0.25), DataType.FLOAT, true);
        rm.initialize(6);
        Path dir = new Path(tmp.resolve("rm").toUri());
        ModelCheckpoint.save(Fixtures.localFs(), dir, rm, new ByteLevelTokenizer(), null, null);
        List<DataRecord.Demonstration> rows = new ArrayList<>();
        for (int i = 0; i < 37; i++) {
            rows.add(new DataRecord.Demonstration("p" + i, "\n\nHuman: say " + i + "\n\nAssistant:",
                    " " + "x".repeat(1 + i % 7), null, "t", i % 5 == 0 ? "validation" : "train"));
        }
        String data = tmp.resolve("demos").toString();
        DatasetIO.write(spark, rows, DatasetKind.DEMONSTRATIONS, data);
        String out = tmp.resolve("scores").toString();
        ScoreStage.Summary s = ScoreStage.run(spark, Configs.load(null, List.of(
                "instructgpt.score.model=\"" + tmp.resolve("rm") + "\"", "instructgpt.score.data=\"" + data + "\"",
                "instructgpt.score.output=\"" + out + "\"", "instructgpt.score.max-length=48",
                "instructgpt.score.batch-size=5")));
        assertEquals(37, s.rows());
        ExampleEncoder enc = new ExampleEncoder(new ByteLevelTokenizer(), 48);
        double sum = 0;
        for (Row r : spark.read().parquet(out).collectAsList()) {
            int i = Integer.parseInt(r.<String>getAs("prompt_id").substring(1));
            DataRecord.Demonstration d = rows.get(i);
            double alone = RewardModel.scores(rm, Batches.rightPadded(List.of(enc.demonstration(d.prompt(), d.completion())),
                    ByteLevelTokenizer.PAD).input())[0];
            assertEquals(alone, r.<Double>getAs("score"), 1e-5, "row " + i);
            assertEquals(d.split(), r.getAs("split"));
            sum += alone;
        }
        assertEquals(sum / 37, s.meanScore(), 1e-5);
    }
}
