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
    }

    /** The main job end to end on a tiny world and model: every stage's outputs appear. */
    @Test
    void pipelineRunsEveryStageOnATinyWorld() throws Exception {
        String out = tmp.resolve("runs").toString();
        int code = InstructGpt.commandLine().execute("pipeline",
                "--set", "instructgpt.world.output=\"" + out + "/world\"",
                "--set", "instructgpt.world.scale=0.05",
                "--set", "instructgpt.world.customers=40",
                "--set", "instructgpt.world.validation-fraction=0.3",
                "--set", "instructgpt.pretrain.output=\"" + out + "/pretrain\"",
                "--set", "instructgpt.pretrain.model={n-embd=32, n-layer=1, n-head=2}",
                "--set", "instructgpt.pretrain.block-size=64",
                "--set", "instructgpt.pretrain.optimizer.steps=4",
                "--set", "instructgpt.pretrain.validate-every=2",
                "--set", "instructgpt.sft.output=\"" + out + "/sft\"",
                "--set", "instructgpt.sft.epochs=1",
                "--set", "instructgpt.sft.max-length=64",
                "--set", "instructgpt.sft.optimizer.batch-size=16",
                "--set", "instructgpt.sft.optimizer.micro-batch=8",
                "--set", "instructgpt.label.output=\"" + out + "/label\"",
                "--set", "instructgpt.label.max-new-tokens=16",
                "--set", "instructgpt.rm.output=\"" + out + "/rm\"",
                "--set", "instructgpt.rm.max-length=64",
                "--set", "instructgpt.rm.optimizer.batch-size=8",
                "--set", "instructgpt.rm.optimizer.micro-batch=4");
        assertEquals(0, code);
        for (String p : List.of("world/world.json", "world/sft/_SUCCESS", "pretrain/final/_SUCCESS", "pretrain/loss.png",
                "pretrain/metrics.jsonl", "sft/final/model.safetensors", "sft/best/_SUCCESS", "sft/loss.png",
                "label/_SUCCESS", "rm/final/_SUCCESS", "rm/metrics.jsonl")) {
            assertTrue(Files.exists(tmp.resolve("runs").resolve(p)), p);
        }
        JsonNode prov = new ObjectMapper().readTree(tmp.resolve("runs/sft/final/provenance.json").toFile());
        assertEquals("sft", prov.get("stage").asText());
        assertTrue(prov.get("inputs").get("base").asText().endsWith("pretrain/final"));
        JsonNode rmConfig = new ObjectMapper().readTree(tmp.resolve("runs/rm/final/config.json").toFile());
        assertEquals("GPT2ForSequenceClassification", rmConfig.get("architectures").get(0).asText());
        assertTrue(rmConfig.has("reward_bias"));
    }
}
