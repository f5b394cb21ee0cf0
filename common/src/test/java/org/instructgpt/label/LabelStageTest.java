package org.instructgpt.label;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.Fixtures;
import org.instructgpt.SparkTestSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.Candidate;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetIO;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.SplitAssigner;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.instructgpt.world.WorldStage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Labeling a policy's samples on a small world: valid comparisons, deterministic with the seed and its batching. */
class LabelStageTest {
    @TempDir
    static java.nio.file.Path tmp;
    static List<String> settings;

    @BeforeAll
    static void worldAndPolicy() throws Exception {
        SparkSession spark = SparkTestSession.get();
        String world = tmp.resolve("world").toString();
        WorldStage.run(spark, Configs.load(null, List.of("instructgpt.world.output=\"" + world + "\"",
                "instructgpt.world.scale=0.05", "instructgpt.world.customers=40")));
        Gpt2Model policy = Gpt2Model.create(GptConfig.of(ByteLevelTokenizer.VOCAB, 128, 32, 2, 2), DataType.FLOAT, false);
        policy.initialize(2);
        ModelCheckpoint.save(Fixtures.localFs(), new Path(tmp.resolve("policy").toUri()), policy, new ByteLevelTokenizer(),
                null, null);
        settings = List.of("instructgpt.world.output=\"" + world + "\"",
                "instructgpt.label.policies=[\"" + tmp.resolve("policy") + "\"]",
                "instructgpt.label.max-new-tokens=12", "instructgpt.label.k=4");
    }

    private static List<DataRecord> run(String out, String... more) {
        List<String> s = new ArrayList<>(settings);
        s.add("instructgpt.label.output=\"" + tmp.resolve(out) + "\"");
        s.addAll(List.of(more));
        LabelStage.Summary summary = LabelStage.run(SparkTestSession.get(), Configs.load(null, s));
        assertTrue(summary.labeled() > 10, "labeled " + summary.labeled() + ", skipped " + summary.skipped());
        List<DataRecord> all = new ArrayList<>(DatasetIO.collect(SparkTestSession.get(), DatasetKind.COMPARISONS,
                tmp.resolve(out).toString(), SplitAssigner.TRAIN));
        all.addAll(DatasetIO.collect(SparkTestSession.get(), DatasetKind.COMPARISONS, tmp.resolve(out).toString(),
                SplitAssigner.VALIDATION));
        all.sort(Comparator.comparing(r -> ((DataRecord.Comparison) r).promptId()));
        return all;
    }

    @Test
    void kIsSplitEvenlyOverThePolicies() {
        PolicyLabeler l = new PolicyLabeler(List.of("a", "b", "c"), 1, 7, List.of(),
                org.instructgpt.generate.SamplingConfig.greedy(1), 1, null, null);
        assertEquals(List.of(3, 2, 2), List.of(l.samplesOf(0), l.samplesOf(1), l.samplesOf(2)));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new PolicyLabeler(
                List.of("a", "b", "c"), 1, 2, List.of(), org.instructgpt.generate.SamplingConfig.greedy(1), 1, null, null));
    }

    @Test
    void equallyGoodResponsesShareARank() {
        org.instructgpt.world.SimulatedLabeler l = new org.instructgpt.world.SimulatedLabeler(0.5);
        for (int seed = 0; seed < 50; seed++) {
            int[] r = l.rankWithTies(new double[]{0.2, 0.9, 0.2, 0.5}, new java.util.SplittableRandom(seed));
            assertEquals(r[0], r[2], "equal gold, equal rank");
            Set<Integer> distinct = new TreeSet<>();
            for (int x : r) {
                distinct.add(x);
            }
            assertEquals(Set.of(1, 2, 3), distinct, "three distinct scores give ranks 1, 2, 3");
        }
    }

    @Test
    void ranksKDistinctSamplesPerPromptDeterministically() {
        List<DataRecord> a = run("a");
        for (DataRecord r : a) {
            DataRecord.Comparison c = (DataRecord.Comparison) r;
            int k = c.candidates().size();
            assertTrue(k >= 2 && k <= 4, "K " + k);
            Set<Integer> ranks = new TreeSet<>();
            Set<String> texts = new TreeSet<>();
            for (Candidate x : c.candidates()) {
                ranks.add(x.rank());
                texts.add(x.completion().strip());
            }
            // Ranks 1..m with m >= 2 (equally good samples share a rank), so the comparison has a ranked pair.
            assertTrue(ranks.size() >= 2 && ranks.contains(1) && ranks.contains(ranks.size()), "ranks " + ranks);
            assertEquals(k, texts.size(), "distinct samples");
            assertTrue(c.split() != null && c.groupId() != null);
        }
        // The same seed gives the same comparisons, whatever the batching of prompts in a generation batch.
        assertEquals(a, run("b", "instructgpt.label.prompts-per-batch=1"));
        assertNotEquals(a, run("c", "instructgpt.seed=99"));
    }

    /** Degenerate variants join the same samples as extra candidates: one with a run, one shorter than a sample. */
    @Test
    void variantsAreRankedWithTheSamples() {
        java.util.Map<String, DataRecord.Comparison> plain = new java.util.HashMap<>();
        for (DataRecord r : run("plain")) {
            plain.put(((DataRecord.Comparison) r).promptId(), (DataRecord.Comparison) r);
        }
        int more = 0;
        for (DataRecord r : run("runs", "instructgpt.label.variants=[run, deletion]")) {
            DataRecord.Comparison c = (DataRecord.Comparison) r;
            assertTrue(c.candidates().size() <= 6, "K + 2 at most: " + c.candidates().size());
            DataRecord.Comparison p = plain.get(c.promptId());
            if (p == null) {
                continue;
            }
            Set<String> texts = new TreeSet<>();
            c.candidates().forEach(x -> texts.add(x.completion()));
            for (Candidate x : p.candidates()) {
                assertTrue(texts.remove(x.completion()), "the samples are kept: " + x.completion());
            }
            assertTrue(texts.size() <= 2, "at most two variants: " + texts);
            int runs = 0;
            for (String v : texts) {
                runs += v.matches("(?s).*(\\S)\\1\\1.*") ? 1 : 0;
            }
            assertTrue(runs >= texts.size() - 1, "at most one variant without a run of three (the deletion): " + texts);
            more += texts.size();
        }
        assertTrue(more > plain.size(), "variants added: " + more + " over " + plain.size() + " prompts");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> run("too-many", "instructgpt.label.variants=[run, run, run, run, run, run]"));
    }

    /** A task that fails (its policy cannot be read) and is retried by Spark labels exactly as an unfaulted one. */
    @Test
    void aRetriedTaskLabelsAsAnUnfaultedOne() {
        int before = org.instructgpt.io.FlakyFileSystem.FAILURES.get();
        List<DataRecord> faulted = run("retried", "instructgpt.label.policies=[\"flaky://" + tmp.resolve("policy") + "\"]");
        assertTrue(org.instructgpt.io.FlakyFileSystem.FAILURES.get() > before, "a task attempt failed and was retried");
        assertEquals(run("unfaulted"), faulted);
    }
}
