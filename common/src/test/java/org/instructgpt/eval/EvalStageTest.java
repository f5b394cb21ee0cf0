package org.instructgpt.eval;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.Fixtures;
import org.instructgpt.SparkTestSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetIO;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.data.SplitAssigner;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.instructgpt.train.LanguageModelObjective;
import org.instructgpt.world.WorldStage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Evaluation on a small world with small random policies: a copy of the baseline ties it exactly (the same seeds), the
 * family breakdown partitions the prompts, the held-out pre-training loss equals a recomputation on the driver, and
 * nothing depends on the partitioning.
 */
class EvalStageTest {
    @TempDir
    static java.nio.file.Path tmp;
    static String world;

    @BeforeAll
    static void worldAndPolicies() throws Exception {
        SparkSession spark = SparkTestSession.get();
        world = tmp.resolve("world").toString();
        WorldStage.run(spark, Configs.load(null, List.of("instructgpt.world.output=\"" + world + "\"",
                "instructgpt.world.scale=0.05", "instructgpt.world.customers=40")));
        for (int s = 1; s <= 2; s++) {
            Gpt2Model m = Gpt2Model.create(GptConfig.of(ByteLevelTokenizer.VOCAB, 128, 32, 2, 2), DataType.FLOAT, false);
            m.initialize(s);
            for (String name : s == 1 ? List.of("a", "a-copy") : List.of("b")) {
                ModelCheckpoint.save(Fixtures.localFs(), new Path(tmp.resolve(name).toUri()), m, new ByteLevelTokenizer(),
                        null, null);
            }
        }
        Fixtures.saveRandomRewardModel(new Path(tmp.resolve("rm").toUri()),
                GptConfig.of(ByteLevelTokenizer.VOCAB, 128, 32, 2, 2), 3);
    }

    private static EvalStage.Report run(String out, int partitions, String... more) {
        List<String> settings = new ArrayList<>(List.of(
                "instructgpt.world.output=\"" + world + "\"",
                "instructgpt.eval.policies=[{name=a, path=\"" + tmp.resolve("a") + "\"}, {name=same, path=\""
                        + tmp.resolve("a-copy") + "\"}, {name=b, path=\"" + tmp.resolve("b") + "\"}]",
                "instructgpt.eval.baseline=a",
                "instructgpt.eval.reward-model=\"\"",
                "instructgpt.eval.max-new-tokens=8",
                "instructgpt.eval.output=\"" + tmp.resolve(out) + "\"",
                "instructgpt.train.partitions=" + partitions));
        settings.addAll(List.of(more));
        return EvalStage.run(SparkTestSession.get(), Configs.load(null, settings));
    }

    @Test
    void policiesAreComparedOnTheSamePromptsAndHeldOutText() throws Exception {
        EvalStage.Report r = run("eval", 2, "instructgpt.eval.also-compare=[{policy=b, baseline=same}]");
        assertTrue(java.nio.file.Files.exists(tmp.resolve("eval/eval.json")));
        assertEquals(List.of("same", "b"), new ArrayList<>(r.versus().keySet()));
        List<DataRecord> prompts = DatasetIO.collect(SparkTestSession.get(), DatasetKind.PROMPTS, world + "/eval", "test");
        EvalStage.Versus same = r.versus().get("same");
        assertEquals(prompts.size(), r.prompts());
        assertEquals(prompts.size(), same.gold().prompts());
        // Identical weights answering from the same seeds: the same answers, so no difference at all.
        assertEquals(0.0, same.gold().difference().value(), 0.0);
        assertEquals(0.0, same.gold().difference().high(), 0.0);
        assertEquals(0.5, same.gold().winRate().value(), 0.0);
        assertEquals(0.0, r.pretrainLoss().get("same").difference().value(), 0.0);
        // Each policy on its own: a copy has the baseline's figures; the behaviours are shares of the right prompts.
        assertEquals(r.figures().get("a"), r.figures().get("same"));
        EvalStage.PolicyFigures fb = r.figures().get("b");
        long lookup = prompts.stream().filter(p -> "lookup".equals(((DataRecord.Prompt) p).task())).count();
        assertEquals(lookup, fb.hallucination().n());
        long describe = prompts.stream().filter(p -> "describe".equals(((DataRecord.Prompt) p).task())).count();
        assertEquals(describe, fb.forbiddenRespectful().n() + fb.forbiddenPlain().n());
        for (var e : List.of(fb.hallucination(), fb.falsehood(), fb.forbiddenPlain())) {
            assertTrue(e.n() == 0 || (e.value() >= 0 && e.value() <= 1), e.toString());
        }
        EvalStage.Versus b = r.versus().get("b");
        assertEquals(fb.gold().value(), b.gold().policy().value(), 1e-12);
        assertEquals(prompts.size(), b.goldTrained().prompts() + b.goldHeldOut().prompts());
        assertEquals(prompts.size(), b.goldByFamily().values().stream().mapToLong(Comparison::prompts).sum());
        assertEquals(9, b.goldByFamily().size());
        assertEquals(b.gold().policy().value() - b.gold().baseline().value(), b.gold().difference().value(), 1e-12);

        // The held-out loss: every validation document's blocks, one model at a time on the driver.
        LanguageModelObjective lm = new LanguageModelObjective(new ByteLevelTokenizer().padId());
        ExampleEncoder enc = new ExampleEncoder(new ByteLevelTokenizer(), 128);
        for (String name : List.of("a", "b")) {
            Gpt2Model m = ModelCheckpoint.load(Fixtures.localFs(), new Path(tmp.resolve(name).toUri()), DataType.FLOAT)
                    .model();
            double loss = 0;
            double tokens = 0;
            for (DataRecord d : DatasetIO.collect(SparkTestSession.get(), DatasetKind.PRETRAIN, world + "/pretrain",
                    SplitAssigner.VALIDATION)) {
                for (TokenizedExample x : enc.documentBlocks(((DataRecord.Document) d).text())) {
                    var s = lm.evaluate(m, List.of(x));
                    loss += s.loss();
                    tokens += s.weight();
                }
            }
            assertTrue(tokens > 1000, "held-out tokens " + tokens);
            assertEquals(loss / tokens, r.pretrainLoss().get(name).loss().value(), 1e-4, name);
        }
        assertEquals(r.pretrainLoss().get("b").loss().value() - r.pretrainLoss().get("a").loss().value(),
                r.pretrainLoss().get("b").difference().value(), 1e-9);

        // KL to the baseline: none for itself and its copy (the same answers, the same weights), some for b; EOS shares.
        assertEquals("a", r.klReference());
        assertEquals(0.0, r.figures().get("a").kl().value(), 0.0);
        assertEquals(0.0, r.figures().get("same").kl().value(), 0.0);
        assertTrue(fb.kl().value() > 0.01, "KL(b || a) " + fb.kl());
        assertTrue(fb.eos().value() >= 0 && fb.eos().value() <= 1);
        // An extra pair: b against the copy of the baseline is b against the baseline.
        assertEquals(b.gold(), r.alsoCompared().get("b vs same").gold());
        assertEquals(b.goldByFamily(), r.alsoCompared().get("b vs same").goldByFamily());
        // Parameters as the model counts them; cloze: a copy has the baseline's hits, word for word.
        Gpt2Model probe = ModelCheckpoint.load(Fixtures.localFs(), new Path(tmp.resolve("b").toUri()), DataType.FLOAT).model();
        assertEquals(probe.params().flat().length(), r.parameters().get("b"));
        assertTrue(r.cloze().get("a").words() > 100, "cloze words " + r.cloze().get("a").words());
        assertEquals(0.0, r.cloze().get("same").difference().value(), 0.0);
        assertEquals(r.cloze().get("a").accuracy(), r.cloze().get("same").accuracy());

        EvalStage.Report one = run("eval-1", 1);
        assertEquals(b.gold(), one.versus().get("b").gold(), "partitioning");
        assertEquals(r.pretrainLoss().get("b").loss().value(), one.pretrainLoss().get("b").loss().value(), 1e-9);
        assertEquals(fb.kl().value(), one.figures().get("b").kl().value(), 1e-9);
        assertEquals(r.cloze().get("b").accuracy().value(), one.cloze().get("b").accuracy().value(), 1e-12);
    }

    @Test
    void theRewardModelIsComparedPerFamilyBesideTheGoldJudge() throws Exception {
        EvalStage.Report r = run("eval-rm", 2, "instructgpt.eval.reward-model=\"" + tmp.resolve("rm") + "\"",
                "instructgpt.eval.pretrain=\"\"", "instructgpt.eval.cloze=false",
                "instructgpt.eval.truthfulqa.max-questions=0");
        EvalStage.Versus same = r.versus().get("same");
        EvalStage.Versus b = r.versus().get("b");
        assertEquals(b.goldByFamily().keySet(), b.rewardModelByFamily().keySet());
        double weighted = 0;
        for (var e : b.rewardModelByFamily().entrySet()) {
            assertEquals(b.goldByFamily().get(e.getKey()).prompts(), e.getValue().prompts(), e.getKey());
            weighted += e.getValue().prompts() * e.getValue().difference().value();
            assertEquals(0.0, same.rewardModelByFamily().get(e.getKey()).difference().value(), 0.0, e.getKey());
        }
        // Per-prompt differences averaged per family and weighted back by prompts are the overall difference.
        assertEquals(b.rewardModel().difference().value(), weighted / r.prompts(), 1e-9);
        assertTrue(Math.abs(b.rewardModel().difference().value()) > 1e-6, "two random policies tie on the RM");
        assertTrue(java.nio.file.Files.readString(tmp.resolve("eval-rm/eval.json")).contains("reward_model_by_family"));
    }

    @Test
    void comparisonsAndAKlReferenceMustNamePolicies() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run("bad-pair", 2, "instructgpt.eval.also-compare=[{policy=b, baseline=huge}]"));
        assertTrue(e.getMessage().contains("instructgpt.eval.also-compare") && e.getMessage().contains("huge"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run("bad-kl", 2, "instructgpt.eval.kl-reference=sft"));
        assertTrue(e.getMessage().contains("instructgpt.eval.kl-reference"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run("missing", 2,
                "instructgpt.eval.policies=[{name=a, path=\"" + tmp.resolve("a") + "\"}, {name=gone, path=\""
                        + tmp.resolve("nowhere") + "\"}]"));
        assertTrue(e.getMessage().contains("gone") && e.getMessage().contains("nowhere"), e.getMessage());
    }

    @Test
    void aBaselineThatIsNotAPolicyIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EvalStage.run(
                SparkTestSession.get(), Configs.load(null, List.of("instructgpt.world.output=\"" + world + "\"",
                        "instructgpt.eval.policies=[{name=a, path=\"" + tmp.resolve("a") + "\"}, {name=b, path=\""
                                + tmp.resolve("b") + "\"}]", "instructgpt.eval.baseline=sft"))));
        assertTrue(e.getMessage().contains("instructgpt.eval.baseline"), e.getMessage());
    }
}
