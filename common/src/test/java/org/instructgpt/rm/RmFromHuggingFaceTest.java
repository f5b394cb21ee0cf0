package org.instructgpt.rm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.instructgpt.HuggingFaceDirs;
import org.instructgpt.SparkTestSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.DatasetImporter;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.ImportStats;
import org.instructgpt.data.Limits;
import org.instructgpt.data.SplitAssigner;
import org.instructgpt.data.importers.Formats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real data as a user brings it (docs/training.md): Anthropic HH-RLHF transcripts imported with the GPT-2 tokenizer,
 * then a reward model trained from a Hugging Face GPT-2 directory (no pad token), without demonstrations to centre on.
 */
class RmFromHuggingFaceTest {
    @TempDir
    java.nio.file.Path tmp;

    @Test
    void importsHhAndTrainsFromAGpt2Directory() throws Exception {
        java.nio.file.Path gpt2 = tmp.resolve("gpt2");
        HuggingFaceDirs.gpt2Shaped(gpt2, 16, 5);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            String human = "\\n\\nHuman: How do I make tea number " + i + "?\\n\\nAssistant:";
            lines.add("{\"chosen\": \"" + human + " Boil water and steep the leaves.\", \"rejected\": \"" + human
                    + " I will not help with that.\"}");
        }
        java.nio.file.Path hh = tmp.resolve("hh.jsonl");
        Files.write(hh, lines);
        String comparisons = tmp.resolve("comparisons").toString();
        ImportStats stats = DatasetImporter.run(SparkTestSession.get(), List.of(hh.toString()), comparisons,
                new DatasetImporter.Settings(Formats.of("hh", DatasetKind.COMPARISONS), ChatTemplate.hh(),
                        new Limits(gpt2.toString(), 512, 512, 2, 9), new SplitAssigner(0.2, 7), 0.1));
        assertEquals(48, stats.valid());

        RmStage.Summary s = RmStage.run(SparkTestSession.get(), Configs.load(null, List.of(
                "instructgpt.rm.base=\"" + gpt2 + "\"",
                "instructgpt.rm.data=\"" + comparisons + "\"",
                "instructgpt.rm.demonstrations=\"\"",
                "instructgpt.rm.output=\"" + tmp.resolve("rm") + "\"",
                "instructgpt.rm.max-length=48",
                "instructgpt.rm.optimizer.batch-size=8",
                "instructgpt.rm.optimizer.micro-batch=4")));
        assertTrue(s.training().steps() > 0 && Double.isFinite(s.training().finalLoss()), s.toString());
        assertEquals(0.0, s.finalBias());
        JsonNode config = new ObjectMapper().readTree(tmp.resolve("rm/final/config.json").toFile());
        assertEquals("GPT2ForSequenceClassification", config.get("architectures").get(0).asText());
        assertTrue(Files.exists(tmp.resolve("rm/final/tokenizer.json")), "the GPT-2 tokenizer travels with the RM");
    }
}
