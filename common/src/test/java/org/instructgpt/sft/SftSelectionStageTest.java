package org.instructgpt.sft;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.Fixtures;
import org.instructgpt.SparkTestSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetIO;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.generate.TextSampler;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.Provenance;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.rm.RewardScorer;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.instructgpt.util.Seeds;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Choosing among SFT epochs by reward-model score: the figures equal a recomputation prompt by prompt on the driver,
 * the highest mean is selected and its weights written, and the result does not depend on the partitioning.
 */
class SftSelectionStageTest {
    @TempDir
    static java.nio.file.Path tmp;
    static List<DataRecord.Demonstration> validation = new ArrayList<>();
    static final GptConfig CFG = GptConfig.of(ByteLevelTokenizer.VOCAB, 96, 32, 2, 2);

    @BeforeAll
    static void candidatesAndRewardModel() throws Exception {
        FileSystem fs = Fixtures.localFs();
        for (int e = 1; e <= 3; e++) {
            Gpt2Model m = Gpt2Model.create(CFG, DataType.FLOAT, false);
            m.initialize(10 + e);
            ModelCheckpoint.save(fs, new Path(tmp.resolve("sft/epochs/epoch-00" + e).toString()), m,
                    new ByteLevelTokenizer(), null, Provenance.of("sft").put("epoch", e).put("step", 5 * e)
                            .put("validation_loss", 2.0 - 0.1 * e));
        }
        Fixtures.saveRandomRewardModel(new Path(tmp.resolve("rm").toString()), CFG, 3);
        List<DataRecord.Demonstration> all = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            DataRecord.Demonstration d = new DataRecord.Demonstration("p" + i, "\n\nHuman: say " + i + "\n\nAssistant:",
                    " " + i, "u" + i, null, i % 3 == 0 ? "train" : "validation");
            all.add(d);
            if (!"train".equals(d.split())) {
                validation.add(d);
            }
        }
        DatasetIO.write(SparkTestSession.get(), all, DatasetKind.DEMONSTRATIONS, tmp.resolve("demos").toString());
    }

    private static SftSelectionStage.Selection run(String out, int partitions) {
        SparkSession spark = SparkTestSession.get();
        return SftSelectionStage.run(spark, Configs.load(null, List.of(
                "instructgpt.sft-select.candidates=\"" + tmp.resolve("sft") + "\"",
                "instructgpt.sft-select.reward-model=\"" + tmp.resolve("rm") + "\"",
                "instructgpt.sft-select.prompts=\"" + tmp.resolve("demos") + "\"",
                "instructgpt.sft-select.world=\"\"",
                "instructgpt.sft-select.max-new-tokens=10",
                "instructgpt.sft-select.prompts-per-batch=3",
                "instructgpt.sft-select.output=\"" + tmp.resolve(out) + "\"",
                "instructgpt.train.partitions=" + partitions)));
    }

    @Test
    void theEpochTheRewardModelScoresHighestIsSelected() throws Exception {
        SftSelectionStage.Selection s = run("sel", 2);
        assertEquals(3, s.candidates().size());
        assertEquals(validation.size(), s.prompts());
        FileSystem fs = Fixtures.localFs();
        ModelCheckpoint.Loaded rm = ModelCheckpoint.load(fs, new Path(tmp.resolve("rm").toString()), DataType.FLOAT);
        RewardScorer scorer = new RewardScorer(rm, "rm", 128, 1);
        int best = 0;
        for (int e = 1; e <= 3; e++) {
            SftSelectionStage.Candidate c = s.candidates().get(e - 1);
            assertEquals("epoch-00" + e, c.name());
            assertEquals(e, c.epoch());
            assertEquals(2.0 - 0.1 * e, c.validationLoss(), 1e-12);
            // The same figure, one prompt and one sample at a time on the driver.
            TextSampler sampler = new TextSampler(ModelCheckpoint.load(fs, new Path(tmp.resolve("sft/epochs/epoch-00"
                    + e).toString()), DataType.FLOAT), "test");
            double sum = 0;
            for (DataRecord.Demonstration d : validation) {
                for (int j = 0; j < 2; j++) {
                    String answer = sampler.sample(List.of(d.prompt()), new long[]{Seeds.derive(1234,
                            d.promptId().hashCode(), j, 0x5e1ec7)}, new SamplingConfig(10, 1.0, 0, 1.0)).get(0);
                    sum += scorer.score(List.of(d.prompt()), List.of(answer))[0] / 2;
                }
            }
            assertEquals(sum / validation.size(), c.rmScore().value(), 1e-5, "epoch " + e);
            if (c.rmScore().value() > s.candidates().get(best).rmScore().value()) {
                best = e - 1;
            }
        }
        assertEquals(s.candidates().get(best).name(), new Path(s.selected()).getName());
        Gpt2Model selected = ModelCheckpoint.load(fs, new Path(tmp.resolve("sel/selected").toString()), DataType.FLOAT).model();
        Gpt2Model chosen = ModelCheckpoint.load(fs, new Path(s.selected()), DataType.FLOAT).model();
        assertArrayEquals(chosen.params().flat().toFloatVector(), selected.params().flat().toFloatVector());
        assertEquals(true, java.nio.file.Files.exists(tmp.resolve("sel/selection.json")));

        SftSelectionStage.Selection again = run("sel-1", 1);
        for (int i = 0; i < 3; i++) {
            assertEquals(s.candidates().get(i).rmScore(), again.candidates().get(i).rmScore(), "partitioning");
        }
    }
}
