package org.instructgpt.data;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One input file with one bad row per validation rule among good rows, imported once: each rule's row must be in
 * {@code _rejected/} with its file, row, field and reason, and the good rows must come through untouched.
 */
class ImportValidationTest {
    @TempDir
    static Path dir;
    static Path input;
    static ImportStats stats;
    static List<Reject> rejects;
    static List<DataRecord> valid;

    private static String cand(String... completionAndRank) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < completionAndRank.length; i += 2) {
            sb.append(i == 0 ? "" : ",").append("{\"completion\":\"").append(completionAndRank[i]).append("\",\"rank\":")
                    .append(completionAndRank[i + 1]).append('}');
        }
        return sb.append(']').toString();
    }

    private static String row(String prompt, String candidates) {
        return "{\"prompt\":\"" + prompt + "\",\"candidates\":" + candidates + "}";
    }

    @BeforeAll
    static void importOnce() throws Exception {
        String ten = cand("a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6", "g", "7", "h", "8", "i", "9", "j", "10");
        List<String> lines = List.of(
                row("Q1", cand(" yes", "1", " no", "2")),                            // 1 good
                row("  ", cand("a", "1", "b", "2")),                                 // 2 empty field
                "INVALID_UTF8",                                                      // 3 invalid UTF-8 bytes
                row("Q4", cand("a", "1")),                                           // 4 K too small
                row("Q5", ten),                                                      // 5 K too large
                row("Q6", cand("a", "0", "b", "1")),                                 // 6 rank outside 1..K
                row("Q7", cand("a", "2", "b", "3", "c", "3")),                       // 7 best rank not 1
                row("Q8", cand("a", "1", "b", "1")),                                 // 8 all tied
                row("Q9", cand("same", "1", "same ", "2")),                          // 9 duplicate candidates
                row("x".repeat(201), cand("a", "1", "b", "2")),                      // 10 good, prompt over its limit
                row("Q11", cand("a", "1", "b".repeat(101), "2")),                    // 11 good, completion over its limit
                "{\"prompt\": \"Q12\", \"candidates\": [",                           // 12 invalid JSON
                "{\"prompt\": \"Q13\"}",                                             // 13 missing field
                row(" Q1 ", cand("other", "1", "answer", "2")),                      // 14 duplicate prompt of row 1
                row("Q15", cand(" best", "1", " tie a", "2", " tie b", "2")),        // 15 good, with a tie
                row("Q16 \\ud800", cand("a", "1", "b", "2")));                      // 16 unpaired surrogate
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String l : lines) {
            if (l.equals("INVALID_UTF8")) {
                bytes.write("{\"prompt\":\"bad ".getBytes(StandardCharsets.UTF_8));
                bytes.write(new byte[]{(byte) 0xC3, (byte) 0x28});
                bytes.write(("\",\"candidates\":" + cand("a", "1", "b", "2") + "}").getBytes(StandardCharsets.UTF_8));
            } else {
                bytes.write(l.getBytes(StandardCharsets.UTF_8));
            }
            bytes.write('\n');
        }
        input = dir.resolve("comparisons.jsonl");
        Files.write(input, bytes.toByteArray());
        stats = ImportFixture.run(input, dir.resolve("out"), ImportFixture.settings("native", DatasetKind.COMPARISONS, 1.0));
        rejects = ImportFixture.rejects(dir.resolve("out"));
        valid = ImportFixture.train(dir.resolve("out"), DatasetKind.COMPARISONS);
    }

    private static Reject rejectAt(long row) {
        return rejects.stream().filter(r -> r.sourceRow() == row).findFirst()
                .orElseThrow(() -> new AssertionError("row " + row + " is not in the rejects: " + rejects));
    }

    private static void assertRejected(long row, String field, String reasonStart) {
        Reject r = rejectAt(row);
        assertTrue(r.sourceFile().endsWith("comparisons.jsonl"), r.sourceFile());
        assertEquals(field, r.field(), "field of row " + row);
        assertTrue(r.reason().startsWith(reasonStart), "row " + row + ": " + r.reason());
        assertFalse(r.record() == null || r.record().isEmpty(), "the rejected record is kept");
    }

    @Test
    void goodRowsComeThroughUntouched() {
        assertEquals(4, valid.size(), "rows 1 and 15, and rows 10 and 11 over the token limits");
        DataRecord.Comparison q1 = (DataRecord.Comparison) valid.stream()
                .filter(r -> ((DataRecord.Comparison) r).prompt().equals("Q1")).findFirst().orElseThrow();
        assertEquals(List.of(new Candidate(" yes", 1), new Candidate(" no", 2)), q1.candidates());
        DataRecord.Comparison q15 = (DataRecord.Comparison) valid.stream()
                .filter(r -> ((DataRecord.Comparison) r).prompt().equals("Q15")).findFirst().orElseThrow();
        assertEquals(List.of(new Candidate(" best", 1), new Candidate(" tie a", 2), new Candidate(" tie b", 2)),
                q15.candidates());
        assertEquals("train", q15.split());
    }

    @Test
    void emptyField() {
        assertRejected(2, "prompt", "empty field");
    }

    @Test
    void invalidUtf8() {
        assertRejected(3, "prompt", "invalid UTF-8");
        assertRejected(16, "prompt", "invalid UTF-8");
    }

    @Test
    void kOutOfRange() {
        assertRejected(4, "candidates", "K out of range: K=1");
        assertRejected(5, "candidates", "K out of range: K=10");
    }

    @Test
    void inconsistentRanks() {
        assertRejected(6, "candidates[0].rank", "inconsistent ranks: rank 0");
        assertRejected(7, "candidates", "inconsistent ranks: the best rank is 2");
        assertRejected(8, "candidates", "inconsistent ranks: all 2 candidates tied");
    }

    @Test
    void duplicateCandidates() {
        assertRejected(9, "candidates[1].completion", "duplicate candidates: #0 and #1");
    }

    /** Length is not validity: rows over the token limits are kept and counted, and never count as rejects. */
    @Test
    void rowsOverTheTokenLimitsAreKeptAndCounted() {
        assertTrue(rejects.stream().noneMatch(r -> r.sourceRow() == 10 || r.sourceRow() == 11), rejects.toString());
        assertTrue(valid.stream().anyMatch(r -> r.key().equals("x".repeat(201))));
        assertEquals(Map.of("prompt over max-prompt-tokens", 1L, "completion over max-completion-tokens", 1L),
                stats.overLength());
    }

    @Test
    void unreadableRecords() {
        assertRejected(12, null, "invalid JSON");
        assertRejected(13, "candidates", "missing list");
    }

    @Test
    void duplicatedPromptsAreRemoved() {
        Reject r = rejectAt(14);
        assertEquals("prompt", r.field());
        assertTrue(r.reason().startsWith("duplicate prompt: the same as ") && r.reason().endsWith("comparisons.jsonl row 1"),
                r.reason());
    }

    @Test
    void countsAreWrittenAndAddUp() {
        ImportStats written = ImportStats.read(new org.apache.hadoop.fs.Path(dir.resolve("out/_stats.json").toString()));
        assertEquals(stats, written);
        assertEquals(16, written.sourceRecords());
        assertEquals(4, written.valid());
        assertEquals(12, written.rejected());
        assertEquals(rejects.size(), written.rejected());
        assertEquals(Map.of("train", 4L), written.splits());
        assertEquals(3L, written.rejectedByRule().get("inconsistent ranks"));
        assertEquals(1L, written.rejectedByRule().get("duplicate prompt"));
    }

    @Test
    void tooManyRejectsFailTheImportWithoutWritingTheDataset() {
        Path out = dir.resolve("strict");
        DataQualityException e = assertThrows(DataQualityException.class,
                () -> ImportFixture.run(input, out, ImportFixture.settings("native", DatasetKind.COMPARISONS, 0.5)));
        assertTrue(e.getMessage().startsWith("12 of 16 rows (75.0%) were rejected, more than the allowed 50.0%"), e.getMessage());
        assertTrue(Files.exists(out.resolve("_rejected")));
        assertTrue(Files.exists(out.resolve("_stats.json")));
        assertFalse(Files.exists(out.resolve("split=train")));
    }

    /** A failed import never destroys the previous dataset: its rejects and counts go beside it. */
    @Test
    void aFailedImportLeavesThePreviousDatasetWhole() throws Exception {
        Path out = dir.resolve("kept");
        ImportFixture.run(input, out, ImportFixture.settings("native", DatasetKind.COMPARISONS, 1.0));
        List<DataRecord> before = ImportFixture.train(out, DatasetKind.COMPARISONS);
        DataQualityException e = assertThrows(DataQualityException.class,
                () -> ImportFixture.run(input, out, ImportFixture.settings("native", DatasetKind.COMPARISONS, 0.1)));
        assertTrue(e.getMessage().contains("previous") && e.getMessage().contains("kept._failed"), e.getMessage());
        assertEquals(before, ImportFixture.train(out, DatasetKind.COMPARISONS));
        assertTrue(Files.exists(dir.resolve("kept._failed/_rejected")));
        try (var siblings = Files.list(dir)) {
            assertTrue(siblings.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no staging left behind");
        }
    }

    @Test
    void anOutputOverlappingAnInputIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImportFixture.run(dir, dir.resolve("inside"), ImportFixture.settings("native", DatasetKind.COMPARISONS, 1.0)));
        assertTrue(e.getMessage().contains("overlaps the input"), e.getMessage());
        assertTrue(Files.exists(input), "the input is untouched");
    }
}
