package org.instructgpt.data;

import org.instructgpt.SparkTestSession;
import org.instructgpt.data.DataRecord.Comparison;
import org.instructgpt.data.DataRecord.Demonstration;
import org.instructgpt.data.DataRecord.Prompt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each input format on a small sample written here, with the prompts and candidates it must yield. */
class ImportFormatsTest {
    @TempDir
    Path dir;

    private <T extends DataRecord> List<T> importAll(String format, DatasetKind kind, Path input, Class<T> type) {
        Path out = dir.resolve("out-" + format);
        ImportFixture.run(input, out, ImportFixture.settings(format, kind, 1.0));
        return ImportFixture.train(out, kind).stream().map(type::cast).toList();
    }

    private static <T extends DataRecord> T withPrompt(List<T> rows, String prompt) {
        return rows.stream().filter(r -> r.key().equals(prompt)).findFirst()
                .orElseThrow(() -> new AssertionError("no row with prompt " + prompt.replace("\n", "\\n") + " in " + rows));
    }

    @Test
    void trlPromptCompletionAsTextConversationAndMessages() throws Exception {
        Path in = ImportFixture.jsonl(dir, "sft.jsonl",
                "{\"prompt\": \"The sky is\", \"completion\": \" blue.\"}",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"completion\": [{\"role\": \"assistant\", \"content\": \"Hello!\"}]}",
                "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"2+2?\"},"
                        + " {\"role\": \"assistant\", \"content\": \"4\"}], \"user_id\": \"u7\"}");
        List<Demonstration> rows = importAll("prompt-completion", DatasetKind.DEMONSTRATIONS, in, Demonstration.class);
        assertEquals(3, rows.size());
        assertEquals(" blue.", withPrompt(rows, "The sky is").completion());
        assertEquals(" Hello!", withPrompt(rows, "\n\nHuman: Hi\n\nAssistant:").completion());
        Demonstration m = withPrompt(rows, "\n\nSystem: Be brief.\n\nHuman: 2+2?\n\nAssistant:");
        assertEquals(" 4", m.completion());
        assertEquals("u7", m.groupId());
    }

    @Test
    void trlPreferenceExplicitAndImplicitPrompts() throws Exception {
        Path in = ImportFixture.jsonl(dir, "pref.jsonl",
                "{\"prompt\": \"Capital of France?\", \"chosen\": \" Paris\", \"rejected\": \" Lyon\"}",
                "{\"chosen\": \"\\n\\nHuman: Name a colour\\n\\nAssistant: Red\", \"rejected\": \"\\n\\nHuman: Name a colour\\n\\nAssistant: Rat\"}",
                "{\"chosen\": [{\"role\": \"user\", \"content\": \"Say yes\"}, {\"role\": \"assistant\", \"content\": \"Yes\"}],"
                        + " \"rejected\": [{\"role\": \"user\", \"content\": \"Say yes\"}, {\"role\": \"assistant\", \"content\": \"No\"}]}");
        List<Comparison> rows = importAll("preference", DatasetKind.COMPARISONS, in, Comparison.class);
        assertEquals(List.of(new Candidate(" Paris", 1), new Candidate(" Lyon", 2)),
                withPrompt(rows, "Capital of France?").candidates());
        assertEquals(List.of(new Candidate(" Red", 1), new Candidate(" Rat", 2)),
                withPrompt(rows, "\n\nHuman: Name a colour\n\nAssistant:").candidates());
        assertEquals(List.of(new Candidate(" Yes", 1), new Candidate(" No", 2)),
                withPrompt(rows, "\n\nHuman: Say yes\n\nAssistant:").candidates());
    }

    @Test
    void anthropicHhTranscripts() throws Exception {
        String prefix = "\\n\\nHuman: How do I bake bread?\\n\\nAssistant: Knead dough.\\n\\nHuman: And then?\\n\\nAssistant:";
        Path in = ImportFixture.jsonl(dir, "hh.jsonl",
                "{\"chosen\": \"" + prefix + " Let it rise, then bake.\", \"rejected\": \"" + prefix + " Eat it raw.\"}",
                "{\"chosen\": \"Just text\", \"rejected\": \"Other text\"}");
        Path out = dir.resolve("out-hh");
        ImportStats stats = ImportFixture.run(in, out, ImportFixture.settings("hh", DatasetKind.COMPARISONS, 1.0));
        List<DataRecord> rows = ImportFixture.train(out, DatasetKind.COMPARISONS);
        assertEquals(1, rows.size());
        Comparison c = (Comparison) rows.get(0);
        assertEquals(prefix.replace("\\n", "\n"), c.prompt());
        assertEquals(List.of(new Candidate(" Let it rise, then bake.", 1), new Candidate(" Eat it raw.", 2)), c.candidates());
        Reject r = ImportFixture.rejects(out).get(0);
        assertEquals(2, r.sourceRow());
        assertEquals("chosen", r.field());
        assertTrue(r.reason().startsWith("not an HH transcript"), r.reason());
        assertEquals(1, stats.rejected());
    }

    @Test
    void openAssistantTreesGiveRankedRepliesAndSkipDeletedAndSynthetic() throws Exception {
        String tree = "{\"message_tree_id\": \"t1\", \"prompt\": {\"message_id\": \"m0\", \"role\": \"prompter\", \"user_id\": \"alice\","
                + " \"text\": \"Tell a joke\", \"replies\": ["
                + "{\"message_id\": \"a1\", \"role\": \"assistant\", \"text\": \"Joke B\", \"rank\": 1, \"replies\": []},"
                + "{\"message_id\": \"a0\", \"role\": \"assistant\", \"text\": \"Joke A\", \"rank\": 0, \"replies\": ["
                + "  {\"message_id\": \"m1\", \"role\": \"prompter\", \"text\": \"Another\", \"replies\": ["
                + "    {\"message_id\": \"a3\", \"role\": \"assistant\", \"text\": \"Joke D\", \"rank\": 1, \"replies\": []},"
                + "    {\"message_id\": \"a4\", \"role\": \"assistant\", \"text\": \"Joke E\", \"rank\": 0, \"replies\": []},"
                + "    {\"message_id\": \"a5\", \"role\": \"assistant\", \"text\": \"Joke F\", \"rank\": 2, \"synthetic\": true, \"replies\": []}]}]},"
                + "{\"message_id\": \"a2\", \"role\": \"assistant\", \"text\": \"Joke C\", \"rank\": 2, \"replies\": []},"
                + "{\"message_id\": \"a6\", \"role\": \"assistant\", \"text\": \"Rude\", \"rank\": 3, \"deleted\": true, \"replies\": []}]}}";
        Path in = ImportFixture.jsonl(dir, "oasst.jsonl", tree);
        List<Comparison> rows = importAll("oasst", DatasetKind.COMPARISONS, in, Comparison.class);
        assertEquals(2, rows.size());
        Comparison top = withPrompt(rows, "\n\nHuman: Tell a joke\n\nAssistant:");
        assertEquals("m0", top.promptId());
        assertEquals("alice", top.groupId());
        assertEquals(List.of(new Candidate(" Joke B", 2), new Candidate(" Joke A", 1), new Candidate(" Joke C", 3)),
                top.candidates());
        Comparison nested = withPrompt(rows, "\n\nHuman: Tell a joke\n\nAssistant: Joke A\n\nHuman: Another\n\nAssistant:");
        assertEquals(List.of(new Candidate(" Joke D", 2), new Candidate(" Joke E", 1)), nested.candidates());
        assertEquals("t1", nested.groupId());

        List<Demonstration> demos = importAll("oasst", DatasetKind.DEMONSTRATIONS, in, Demonstration.class);
        assertEquals(" Joke A", withPrompt(demos, "\n\nHuman: Tell a joke\n\nAssistant:").completion());
    }

    @Test
    void selfInstructTasksGiveOneDemonstrationPerInstance() throws Exception {
        Path in = ImportFixture.jsonl(dir, "tasks.jsonl",
                "{\"name\": \"antonyms\", \"instruction\": \"Give the antonym.\", \"instances\": ["
                        + "{\"input\": \"hot\", \"output\": \"cold\"}, {\"input\": \"up\", \"output\": \"down\"}]}",
                "{\"name\": \"joke\", \"instruction\": \"Tell a joke.\", \"instances\": [{\"input\": \"\", \"output\": \"Knock knock.\"}]}");
        List<Demonstration> rows = importAll("self-instruct", DatasetKind.DEMONSTRATIONS, in, Demonstration.class);
        assertEquals(3, rows.size());
        Demonstration hot = withPrompt(rows, "\n\nHuman: Give the antonym.\nhot\n\nAssistant:");
        assertEquals(" cold", hot.completion());
        assertEquals("antonyms", hot.task());
        assertEquals(" Knock knock.", withPrompt(rows, "\n\nHuman: Tell a joke.\n\nAssistant:").completion());
    }

    @Test
    void parquetInputInOurOwnColumns() throws Exception {
        Path in = ImportFixture.jsonl(dir, "prompts.jsonl",
                "{\"prompt\": \"first\", \"task\": \"t\"}", "{\"prompt\": \"second\", \"customer_id\": \"c1\"}");
        String parquet = dir.resolve("prompts-parquet").toString();
        SparkTestSession.get().read().json(in.toString()).coalesce(1).write().parquet(parquet);
        List<Prompt> rows = importAll("native", DatasetKind.PROMPTS, Path.of(parquet), Prompt.class).stream()
                .sorted(Comparator.comparing(Prompt::prompt)).toList();
        assertEquals(2, rows.size());
        assertEquals("t", rows.get(0).task());
        assertEquals("c1", rows.get(1).groupId());
    }
}
