package org.instructgpt.rm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.Fixtures;
import org.instructgpt.SparkTestSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.Batches;
import org.instructgpt.data.Candidate;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetIO;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.model.Gpt2Layout;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.ScalarHead;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reward-model stage end to end on cleanly separable synthetic preferences (a response saying "good" beats one
 * saying "bad", with K from 2 to 4): trained with Spark from a small base model, it must rank held-out prompts
 * correctly, its bias must centre the demonstrations on 0, and its checkpoint must be a Hugging Face
 * GPT2ForSequenceClassification directory that scores the same after a round trip.
 */
class RmStageTest {
    @TempDir
    static java.nio.file.Path tmp;
    static RmStage.Summary summary;
    static List<DataRecord.Demonstration> demos = new ArrayList<>();

    private static final String[] GOOD = {" good", " a good one", " good, I think", " very good"};
    private static final String[] BAD = {" bad", " a bad one", " bad, I think", " very bad"};
    private static final String[] OK = {" so so", " meh", " fine"};

    @BeforeAll
    static void train() throws Exception {
        SparkSession spark = SparkTestSession.get();
        FileSystem fs = Fixtures.localFs();
        GptConfig cfg = GptConfig.of(ByteLevelTokenizer.VOCAB, 64, 32, 2, 2);
        Gpt2Model base = Gpt2Model.create(cfg, DataType.FLOAT, false);
        base.initialize(9);
        Path baseDir = new Path(tmp.resolve("base").toUri());
        ModelCheckpoint.save(fs, baseDir, base, new ByteLevelTokenizer(), null, null);

        SplittableRandom r = new SplittableRandom(4);
        List<DataRecord.Comparison> comparisons = new ArrayList<>();
        for (int i = 0; i < 240; i++) {
            String prompt = "\n\nHuman: Q" + i + " is it?\n\nAssistant:";
            List<Candidate> cs = new ArrayList<>();
            cs.add(new Candidate(GOOD[r.nextInt(GOOD.length)], 1));
            int k = 2 + i % 3;
            if (k >= 3) {
                cs.add(new Candidate(OK[r.nextInt(OK.length)], 2));
            }
            cs.add(new Candidate(BAD[r.nextInt(BAD.length)], k >= 3 ? 3 : 2));
            if (k == 4) {
                cs.add(new Candidate(" " + BAD[r.nextInt(BAD.length)].strip() + "!", 3));
            }
            comparisons.add(new DataRecord.Comparison("c" + i, prompt, cs, "u" + i, null, i < 200 ? "train" : "validation"));
            demos.add(new DataRecord.Demonstration("d" + i, prompt, GOOD[i % GOOD.length], "u" + i, null,
                    i % 10 == 0 ? "validation" : "train"));
        }
        String data = tmp.resolve("comparisons").toString();
        DatasetIO.write(spark, comparisons, DatasetKind.COMPARISONS, data);
        String demoData = tmp.resolve("demos").toString();
        DatasetIO.write(spark, demos, DatasetKind.DEMONSTRATIONS, demoData);
        summary = RmStage.run(spark, Configs.load(null, List.of(
                "instructgpt.rm.base=\"" + tmp.resolve("base") + "\"",
                "instructgpt.rm.data=\"" + data + "\"",
                "instructgpt.rm.demonstrations=\"" + demoData + "\"",
                "instructgpt.rm.output=\"" + tmp.resolve("rm") + "\"",
                "instructgpt.rm.epochs=4",
                "instructgpt.rm.max-length=48",
                "instructgpt.rm.optimizer.batch-size=16",
                "instructgpt.rm.optimizer.micro-batch=8",
                "instructgpt.rm.optimizer.learning-rate=2e-3")));
    }

    @Test
    void learnsSeparablePreferences() throws Exception {
        assertEquals(4 * 13, summary.training().steps());
        List<JsonNode> validation = new ArrayList<>();
        for (String line : Files.readAllLines(tmp.resolve("rm/metrics.jsonl"))) {
            JsonNode n = new ObjectMapper().readTree(line);
            if (n.path("kind").asText().equals("validation")) {
                validation.add(n);
            }
        }
        JsonNode last = validation.get(validation.size() - 1);
        assertTrue(last.get("accuracy").asDouble() >= 0.9, "validation pairwise accuracy " + last);
        assertTrue(last.get("margin").asDouble() > 0, last.toString());
        for (String k : List.of("accuracy_k2", "accuracy_k3", "accuracy_k4")) {
            assertTrue(last.has(k), "per-K accuracy " + k + " in " + last);
        }
        assertTrue(validation.get(0).get("loss").asDouble() > last.get("loss").asDouble(), "validation loss fell");
    }

    /** quality.json's accuracy (the saved model scored by RewardScorer) equals the trainer's last validation's. */
    @Test
    void theQualityReportAgreesWithTheLastValidation() throws Exception {
        JsonNode last = null;
        for (String line : Files.readAllLines(tmp.resolve("rm/metrics.jsonl"))) {
            JsonNode n = new ObjectMapper().readTree(line);
            last = n.path("kind").asText().equals("validation") ? n : last;
        }
        JsonNode q = new ObjectMapper().readTree(tmp.resolve("rm/quality.json").toFile());
        assertEquals(40, q.get("prompts").asInt());
        assertEquals(last.get("accuracy").asDouble(), q.get("accuracy").get("value").asDouble(), 0.01);
        assertEquals(summary.quality().accuracy().value(), q.get("accuracy").get("value").asDouble(), 0);
        assertTrue(q.get("accuracy").get("low").asDouble() <= q.get("accuracy").get("value").asDouble());
        assertEquals(last.get("accuracy_k3").asDouble(), q.get("accuracy_by_k").get("k3").get("value").asDouble(), 0.02);
        assertEquals(0, summary.quality().goldAccuracy().n(), "no world, no gold");
    }

    @Test
    void theBiasCentresTheDemonstrationsOnZero() throws Exception {
        Path fin = new Path(tmp.resolve("rm/final").toUri());
        Gpt2Model rm = ModelCheckpoint.load(Fixtures.localFs(), fin, DataType.FLOAT).model();
        assertEquals(summary.finalBias(), RewardModel.bias(rm), 0.0);
        assertTrue(summary.finalBias() != 0.0);
        ExampleEncoder enc = new ExampleEncoder(new ByteLevelTokenizer(), 48);
        List<TokenizedExample> seqs = new ArrayList<>();
        for (DataRecord.Demonstration d : demos) {
            seqs.add(enc.demonstration(d.prompt(), d.completion()));
        }
        double sum = 0;
        for (int i = 0; i < seqs.size(); i += 16) {
            for (double s : RewardModel.scores(rm, Batches.rightPadded(seqs.subList(i, Math.min(seqs.size(), i + 16)),
                    ByteLevelTokenizer.PAD).input())) {
                sum += s;
            }
        }
        assertEquals(0.0, sum / seqs.size(), 1e-4, "demonstrations score 0 on average");
    }

    @Test
    void theCheckpointIsAHuggingFaceSequenceClassifierThatScoresTheSameAfterARoundTrip() throws Exception {
        java.nio.file.Path dir = tmp.resolve("rm/final");
        JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals("GPT2ForSequenceClassification", config.get("architectures").get(0).asText());
        assertEquals(1, config.get("num_labels").asInt());
        assertEquals(summary.finalBias(), config.get(RewardModel.BIAS).asDouble(), 0.0);
        FileSystem fs = Fixtures.localFs();
        Gpt2Model rm = ModelCheckpoint.load(fs, new Path(dir.toUri()), DataType.FLOAT).model();
        assertTrue(rm.params().has(Gpt2Layout.SCORE));
        Path copy = new Path(tmp.resolve("rm-copy").toUri());
        ModelCheckpoint.save(fs, copy, rm, new ByteLevelTokenizer(), null, null);
        Gpt2Model again = ModelCheckpoint.load(fs, copy, DataType.FLOAT).model();
        ExampleEncoder enc = new ExampleEncoder(new ByteLevelTokenizer(), 48);
        var in = Batches.rightPadded(List.of(enc.demonstration("\n\nHuman: Q1 is it?\n\nAssistant:", " good"),
                enc.demonstration("\n\nHuman: Q1 is it?\n\nAssistant:", " bad")), ByteLevelTokenizer.PAD).input();
        double[] a = RewardModel.scores(rm, in);
        double[] b = RewardModel.scores(again, in);
        assertEquals(a[0], b[0], 0.0);
        assertEquals(a[1], b[1], 0.0);
        assertTrue(a[0] > a[1], "good above bad");
        assertEquals(a[0] - RewardModel.bias(rm), ScalarHead.scores(rm, in)[0], 1e-12);
    }
}
