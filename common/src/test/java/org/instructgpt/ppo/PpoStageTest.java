package org.instructgpt.ppo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.train.BroadcastModel;
import org.instructgpt.Fixtures;
import org.instructgpt.SparkTestSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetIO;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.io.FlakyFileSystem;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PPO-ptx end to end in local[2] on small models: the reward model's score rises while the KL stays bounded, every
 * iteration's first minibatch sees ratio 1, and a run interrupted after 3 iterations (whose first rollouts lost a task
 * to a failed read and were retried) and resumed ends with the parameters of an uninterrupted run.
 */
class PpoStageTest {
    @TempDir
    static java.nio.file.Path tmp;
    static PpoLoop.Summary whole;
    static int keptBorrows;

    static List<String> settings(String out, int iterations) {
        return new ArrayList<>(List.of(
                "instructgpt.ppo.policy=\"" + tmp.resolve("policy") + "\"",
                "instructgpt.ppo.reward-model=\"" + tmp.resolve("rm") + "\"",
                "instructgpt.ppo.value-model=\"" + tmp.resolve("rm") + "\"",
                "instructgpt.ppo.prompts=\"" + tmp.resolve("prompts") + "\"",
                "instructgpt.ppo.pretrain=\"" + tmp.resolve("pretrain") + "\"",
                "instructgpt.ppo.output=\"" + tmp.resolve(out) + "\"",
                "instructgpt.ppo.world=\"\"",
                "instructgpt.ppo.iterations=" + iterations,
                "instructgpt.ppo.episodes-per-iteration=16",
                "instructgpt.ppo.minibatch=8",
                "instructgpt.ppo.epochs=2",
                "instructgpt.ppo.max-new-tokens=8",
                "instructgpt.ppo.rollout-batch=4",
                "instructgpt.ppo.ptx.coef=0.5",
                "instructgpt.ppo.ptx.block-size=24",
                "instructgpt.ppo.checkpoint-every=3",
                "instructgpt.ppo.samples-every=3",
                "instructgpt.ppo.optimizer.learning-rate=3e-3",
                "instructgpt.ppo.optimizer.warmup-steps=1",
                "instructgpt.ppo.optimizer.micro-batch=2"));
    }

    @BeforeAll
    static void modelsAndData() throws Exception {
        SparkSession spark = SparkTestSession.get();
        GptConfig cfg = GptConfig.of(ByteLevelTokenizer.VOCAB, 64, 32, 2, 2);
        Gpt2Model policy = Gpt2Model.create(cfg, DataType.FLOAT, false);
        policy.initialize(1);
        ModelCheckpoint.save(Fixtures.localFs(), new Path(tmp.resolve("policy").toString()), policy,
                new ByteLevelTokenizer(), null, null);
        Fixtures.saveRandomRewardModel(new Path(tmp.resolve("rm").toString()), cfg, 2);
        List<DataRecord.Prompt> prompts = new ArrayList<>();
        List<DataRecord.Document> docs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            prompts.add(new DataRecord.Prompt("p" + i, "\n\nHuman: item " + i + "\n\nAssistant:", "u" + i, null, "train"));
            docs.add(new DataRecord.Document("d" + i, "The river " + i + " runs to the sea, and the sea is wide.", "train"));
        }
        DatasetIO.write(spark, prompts, DatasetKind.PROMPTS, tmp.resolve("prompts").toString());
        DatasetIO.write(spark, docs, DatasetKind.PRETRAIN, tmp.resolve("pretrain").toString());
        int kept = BroadcastModel.keptBorrows();
        whole = PpoStage.run(spark, Configs.load(null, settings("whole", 6)));
        keptBorrows = BroadcastModel.keptBorrows() - kept;
    }

    private static List<JsonNode> records(String out) throws Exception {
        List<JsonNode> r = new ArrayList<>();
        for (String line : Files.readAllLines(tmp.resolve(out + "/metrics.jsonl"))) {
            r.add(new ObjectMapper().readTree(line));
        }
        return r;
    }

    @Test
    void theScoreRisesWhileTheKlStaysBounded() throws Exception {
        List<JsonNode> r = records("whole");
        assertEquals(6, r.size());
        double first = r.get(0).get("objective/scores").asDouble();
        double last = (r.get(4).get("objective/scores").asDouble() + r.get(5).get("objective/scores").asDouble()) / 2;
        assertTrue(last > first, "mean RM score " + first + " -> " + last);
        assertEquals(0.0, r.get(0).get("objective/kl").asDouble(), 1e-4, "the policy starts as the reference");
        for (JsonNode n : r) {
            assertEquals(1.0, n.get("policy/first_ratio").asDouble(), 1e-3, "rollout and training passes agree: " + n);
            assertTrue(n.get("objective/kl").asDouble() < 10, "KL bounded: " + n);
            for (String k : List.of("loss/policy", "loss/value", "loss/ptx", "policy/approxkl", "policy/clipfrac",
                    "val/clipfrac", "objective/entropy", "val/explained_variance", "eos_rate", "response_length",
                    "memory/heap_peak_mb", "memory/heap_after_gc_mb")) {
                assertTrue(n.has(k) && Double.isFinite(n.get(k).asDouble()), k + " in " + n);
            }
        }
        for (String f : List.of("final/model.safetensors", "last/model.safetensors", "value/model.safetensors",
                "samples.md", "reward.png", "kl.png", "loss.png")) {
            assertTrue(Files.exists(tmp.resolve("whole/" + f)), f);
        }
    }

    @Test
    void eachIterationRecordsSparksSecondsAndTheSummaryTheirMedianShare() throws Exception {
        int partitions = Configs.load(null, settings("whole", 6)).getInt("instructgpt.train.partitions");
        List<Double> shares = new ArrayList<>();
        for (JsonNode n : records("whole")) {
            double spark = n.get("time/spark").asDouble();
            double iteration = n.get("time/iteration").asDouble();
            assertTrue(spark > 0 && spark < iteration, "Spark's seconds inside the iteration's: " + n);
            assertEquals(Math.max(0, iteration - (n.get("time/generation").asDouble() + n.get("time/scoring").asDouble())
                    / partitions - n.get("time/training").asDouble() + n.get("time/spark_overhead").asDouble()), spark,
                    1e-9, "the iteration less the tasks' computing: " + n);
            shares.add(spark / iteration);
        }
        shares.sort(null);
        assertEquals((shares.get(2) + shares.get(3)) / 2, whole.sparkShare(), 1e-12);
    }

    @Test
    void aRetriedAndResumedRunEndsAsAnUninterruptedOne() throws Exception {
        int failures = FlakyFileSystem.FAILURES.get();
        List<String> first = settings("parts", 3);
        first.add("instructgpt.ppo.reference=\"flaky://" + tmp.resolve("policy") + "\"");
        PpoStage.run(SparkTestSession.get(), Configs.load(null, first));
        assertTrue(FlakyFileSystem.FAILURES.get() > failures, "a rollout task failed once and was retried");
        List<String> rest = settings("parts", 6);
        rest.add("instructgpt.ppo.resume=true");
        PpoStage.run(SparkTestSession.get(), Configs.load(null, rest));
        assertSameModels("whole", "parts");
        assertEquals(records("whole").size(), records("parts").size());
    }

    @Test
    void iterationsByJobsEndWithTheBitsOfTheOneJobIterations() throws Exception {
        // By jobs: the rollouts and their statistics in a job, then a job per step. Over the exchange (memory in
        // local mode): the rollouts, their statistics and the steps in one job per iteration.
        List<String> jobs = settings("jobs", 6);
        jobs.add("instructgpt.ppo.exchange.mode=job");
        PpoStage.run(SparkTestSession.get(), Configs.load(null, jobs));
        assertSameModels("whole", "jobs");
    }

    /** The two runs' EMA, last and value models are the same bits. */
    private static void assertSameModels(String one, String other) throws IOException {
        for (String m : List.of("final", "last", "value")) {
            Gpt2Model a = ModelCheckpoint.load(Fixtures.localFs(), new Path(tmp.resolve(one + "/" + m).toString()),
                    DataType.FLOAT).model();
            Gpt2Model b = ModelCheckpoint.load(Fixtures.localFs(), new Path(tmp.resolve(other + "/" + m).toString()),
                    DataType.FLOAT).model();
            assertArrayEquals(a.params().flat().toFloatVector(), b.params().flat().toFloatVector(), m);
        }
    }

    @Test
    void rolloutsAfterTheFirstBorrowThePoliciesAndValueModelsTheStepsLeftOnTheExecutors() {
        // Iterations 2-6: two rollout tasks, each borrowing the policy and the value model the last stretch left.
        assertEquals(5 * 2 * 2, keptBorrows);
    }
}
