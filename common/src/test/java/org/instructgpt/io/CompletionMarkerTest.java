package org.instructgpt.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompletionMarkerTest {
    @TempDir
    Path tmp;

    @Test
    void markMakesTheOutputAndClearRemovesOnlyTheMarker() throws Exception {
        Path out = tmp.resolve("stage/output");
        assertFalse(CompletionMarker.isComplete(out.toString()));
        CompletionMarker.clear(out.toString());
        assertFalse(Files.exists(out), "clearing an output that is not there makes nothing");

        CompletionMarker.mark(out.toString());
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        assertTrue(CompletionMarker.isComplete(out.toString()));
        Files.writeString(out.resolve("metrics.jsonl"), "{}\n");

        CompletionMarker.clear(out.toString());
        assertFalse(CompletionMarker.isComplete(out.toString()));
        assertTrue(Files.exists(out.resolve("metrics.jsonl")), "the output itself is kept");
    }
}
