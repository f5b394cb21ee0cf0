package org.instructgpt.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InstructGptCommandTest {
    @TempDir
    Path tmp;

    @Test
    void helpListsTheSubcommands() {
        StringWriter out = new StringWriter();
        CommandLine cl = InstructGpt.commandLine();
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("--help"));
        assertTrue(out.toString().contains("generate") && out.toString().contains("bench"), out.toString());
    }

    /** A description picocli cannot format (a bare '%') makes it print a warning before the help. */
    @Test
    void everyDescriptionFormatsWithoutAWarning() {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        System.setErr(new java.io.PrintStream(err, true));
        try {
            CommandLine cl = InstructGpt.commandLine();
            cl.setOut(new PrintWriter(new StringWriter()));
            assertEquals(0, cl.execute("--help"));
            for (String sub : cl.getSubcommands().keySet()) {
                assertEquals(0, cl.execute(sub, "--help"), sub);
            }
        } finally {
            System.setErr(old);
        }
        assertTrue(!err.toString().contains("picocli WARN"), err.toString());
    }

    @Test
    void generateWritesOneJsonLinePerPromptFromTheEmbeddedModel() throws Exception {
        Path output = tmp.resolve("gen.jsonl");
        int code = InstructGpt.commandLine().execute("generate",
                "--set", "instructgpt.generate.output=\"" + output.toUri() + "\"",
                "--set", "instructgpt.generate.max-new-tokens=5",
                "--set", "instructgpt.generate.token-ids=[[1,2,3],[4,5,6,7]]");
        assertEquals(0, code);
        List<String> lines = Files.readAllLines(output);
        assertEquals(2, lines.size());
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertEquals(3, first.get("prompt_ids").size());
        assertEquals(5, first.get("response_ids").size());
        assertEquals(5, first.get("logprobs").size());
        assertTrue(first.get("logprobs").get(0).asDouble() < 0);
    }

    @Test
    void aBadSettingFailsWithAMessage() {
        StringWriter err = new StringWriter();
        CommandLine cl = InstructGpt.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("generate", "--set", "instructgpt.generate.top-p=0");
        assertTrue(code != 0);
        assertTrue(err.toString().contains("top-p"), err.toString());
    }

    /** A missing checkpoint or a bad option ends in one line naming it, a non-zero exit, and no stack trace. */
    @Test
    void userErrorsAreOneLineWithoutAStackTraceUnlessVerbose() {
        String missing = tmp.resolve("no-such-checkpoint").toString();
        StringWriter err = new StringWriter();
        CommandLine cl = InstructGpt.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("generate", "--set", "instructgpt.generate.checkpoint=\"" + missing + "\"");
        assertEquals(1, code);
        String[] lines = err.toString().strip().split("\n");
        assertEquals(1, lines.length, err.toString());
        assertTrue(lines[0].startsWith("instructgpt generate: ") && lines[0].contains(missing), lines[0]);
        assertTrue(lines[0].contains("does not exist"), lines[0]);

        StringWriter verbose = new StringWriter();
        CommandLine v = InstructGpt.commandLine();
        v.setErr(new PrintWriter(verbose));
        assertEquals(1, v.execute("--verbose", "generate", "--set", "instructgpt.generate.checkpoint=\"" + missing + "\""));
        assertTrue(verbose.toString().contains("\tat org.instructgpt."), "--verbose prints the stack trace");

        StringWriter bad = new StringWriter();
        CommandLine b = InstructGpt.commandLine();
        b.setErr(new PrintWriter(bad));
        assertTrue(b.execute("sft", "--no-such-option") != 0);
        assertTrue(bad.toString().contains("--no-such-option") && !bad.toString().contains("\tat "), bad.toString());
    }

    @Test
    void importWritesTheDatasetRejectsAndStats() throws Exception {
        Path in = tmp.resolve("hh.jsonl");
        Files.writeString(in, "{\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello\", \"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: Go\"}\n"
                + "{\"chosen\": 3}\n");
        Path out = tmp.resolve("comparisons");
        int code = InstructGpt.commandLine().execute("import", "--format", "hh", "--input", in.toString(),
                "--output", out.toString(), "--set", "instructgpt.data.max-rejected-fraction=0.5");
        assertEquals(0, code);
        assertTrue(Files.isDirectory(out.resolve("split=train")));
        JsonNode stats = new ObjectMapper().readTree(out.resolve("_stats.json").toFile());
        assertEquals(1, stats.get("valid").asInt());
        assertEquals(1, stats.get("rejected").asInt());
        assertTrue(Files.isDirectory(out.resolve("_rejected")));
        assertTrue(Files.exists(out.resolve("_SUCCESS")), "a finished import is marked complete");
    }

    /**
     * The main job end to end with --preset ci: every stage's outputs appear in the run directory; a rerun skips every
     * stage and leaves the outputs as they were.
     */
    @Test
    void pipelineRunsEveryStageWithTheCiPresetAndARerunSkipsThem() throws Exception {
        java.nio.file.Path runs = tmp.resolve("runs");
        String[] args = {"pipeline", "--preset", "ci", "--set", "instructgpt.run-dir=\"" + runs + "\""};
        assertEquals(0, InstructGpt.commandLine().execute(args));
        for (String p : List.of("world/world.json", "world/sft/_SUCCESS", "pretrain/final/_SUCCESS", "pretrain/loss.png",
                "pretrain/metrics.jsonl", "sft/final/model.safetensors", "sft/best/_SUCCESS", "sft/loss.png",
                "label/_SUCCESS", "rm/final/_SUCCESS", "rm/metrics.jsonl", "rm/quality.json",
                "sft-select/selected/_SUCCESS", "ppo/final/_SUCCESS", "ppo/metrics.jsonl", "ppo/reward.png",
                "ppo-no-ptx/final/_SUCCESS", "small/pretrain/final/_SUCCESS", "small/sft/final/_SUCCESS",
                "small/ppo-ptx/final/_SUCCESS", "eval/eval.json", "pipeline.json", "report/report.md",
                "report/metrics.json", "report/gold.png", "report/win_rate.png", "report/alignment_tax.png",
                "report/cloze.png", "report/loss_pretrain.png", "report/loss_sft.png", "report/loss_rm.png",
                "report/ppo_reward.png", "report/ppo_kl.png")) {
            assertTrue(Files.exists(runs.resolve(p)), p);
        }
        for (String stage : List.of("world", "pretrain", "sft", "label", "rm", "sft-select", "ppo", "ppo-no-ptx",
                "small/pretrain", "small/sft", "small/ppo-ptx", "eval", "report")) {
            assertTrue(Files.exists(runs.resolve(stage).resolve("_SUCCESS")), stage + " marked complete");
        }
        JsonNode prov = new ObjectMapper().readTree(runs.resolve("sft/final/provenance.json").toFile());
        assertEquals("sft", prov.get("stage").asText());
        assertTrue(prov.get("inputs").get("base").asText().endsWith("pretrain/final"));
        JsonNode rmConfig = new ObjectMapper().readTree(runs.resolve("rm/final/config.json").toFile());
        assertEquals("GPT2ForSequenceClassification", rmConfig.get("architectures").get(0).asText());
        assertTrue(rmConfig.has("reward_bias"));
        JsonNode eval = new ObjectMapper().readTree(runs.resolve("eval/eval.json").toFile());
        for (String policy : List.of("ppo-ptx", "ppo", "ppo-ptx-small")) {
            assertTrue(Double.isFinite(eval.get("versus_baseline").get(policy).get("gold").get("difference").get("value")
                    .asDouble()), policy);
            assertTrue(Double.isFinite(eval.get("pretrain_loss").get(policy).get("loss").get("value").asDouble()), policy);
            assertTrue(Double.isFinite(eval.get("cloze").get(policy).get("accuracy").get("value").asDouble()), policy);
            assertTrue(Double.isFinite(eval.get("figures").get(policy).get("kl").get("value").asDouble()), policy);
            assertTrue(Double.isFinite(eval.get("figures").get(policy).get("eos_rate").get("value").asDouble()), policy);
        }
        assertTrue(eval.get("parameters").get("ppo-ptx-small").asLong() < eval.get("parameters").get("sft").asLong());
        assertTrue(Double.isFinite(eval.get("also_compared").get("ppo-ptx-small vs base").get("gold").get("difference")
                .get("value").asDouble()));

        String report = Files.readString(runs.resolve("report/report.md"));
        for (String part : List.of("The paper's findings", "| 4 | fewer hallucinations", "ppo-ptx-small against base (",
                "cloze accuracy: PPO", "![", "Time and memory by stage", "## Provenance", "Configuration")) {
            assertTrue(report.contains(part), part);
        }
        JsonNode metrics = new ObjectMapper().readTree(runs.resolve("report/metrics.json").toFile());
        assertTrue(Double.isFinite(metrics.get("eval").get("figures").get("sft").get("gold").get("value").asDouble()));

        byte[] evalBefore = Files.readAllBytes(runs.resolve("eval/eval.json"));
        java.nio.file.attribute.FileTime ppoBefore = Files.getLastModifiedTime(runs.resolve("ppo/final/model.safetensors"));
        assertEquals(0, InstructGpt.commandLine().execute(args));
        JsonNode stages = new ObjectMapper().readTree(runs.resolve("pipeline.json").toFile());
        assertEquals(13, stages.size());
        for (JsonNode st : stages) {
            assertTrue(st.get("skipped").asBoolean(), st.get("stage").asText() + " skipped on the rerun");
            assertTrue(st.get("seconds").asDouble() > 0, "the time it took when it ran is kept");
            assertTrue(st.get("memory").get("heap_peak_mb").asDouble() > 0, "and its memory");
        }
        assertTrue(java.util.Arrays.equals(evalBefore, Files.readAllBytes(runs.resolve("eval/eval.json"))));
        assertEquals(ppoBefore, Files.getLastModifiedTime(runs.resolve("ppo/final/model.safetensors")));

        // The stage commands mark their output as the pipeline does. A resumed run adds to its output in place, so the
        // output is unmarked until the run returns: one that fails leaves it unmarked, one that succeeds marks it.
        Path ppoMarker = runs.resolve("ppo/_SUCCESS");
        byte[] ppoWeights = Files.readAllBytes(runs.resolve("ppo/final/model.safetensors"));
        String ppoOutput = "instructgpt.ppo.output=\"" + runs.resolve("ppo") + "\"";
        assertTrue(InstructGpt.commandLine().execute("ppo", "--resume", "--preset", "ci", "--set",
                "instructgpt.run-dir=\"" + runs + "\"", "--set", ppoOutput,
                "--set", "instructgpt.ppo.policy=\"" + tmp.resolve("no-such-policy") + "\"") != 0);
        assertTrue(!Files.exists(ppoMarker), "a failed resumed run leaves its output unmarked");
        assertEquals(0, InstructGpt.commandLine().execute("ppo", "--resume", "--preset", "ci", "--set",
                "instructgpt.run-dir=\"" + runs + "\"", "--set", ppoOutput));
        assertTrue(Files.exists(ppoMarker), "a finished resumed run marks its output again");
        assertTrue(java.util.Arrays.equals(ppoWeights, Files.readAllBytes(runs.resolve("ppo/final/model.safetensors"))),
                "with no iteration left to take, the same final policy");
    }
}
