package org.instructgpt.report;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class MemoryUseTest {
    @Test
    void readsTheHeapAndTheResidentSize() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "Linux only");
        MemoryUse m = MemoryUse.now();
        assertTrue(m.residentBytes() > 50_000_000L, "a JVM with Spark's classes holds more than 50 MB: " + m);
        assertTrue(m.residentPeakBytes() >= m.residentBytes(), m.toString());
        assertTrue(m.heapCommitted() > 0 && m.heapPeak() > 0, m.toString());
    }

    @Test
    void aHeldArrayShowsInTheHeapPeakAfterAReset() {
        MemoryUse.resetPeaks();
        float[] held = new float[50_000_000];
        held[held.length - 1] = 1;
        MemoryUse m = MemoryUse.now();
        // Other tests' garbage may be in the peak too; the 200 MB held now must be.
        assertTrue(m.heapPeak() >= 200_000_000L && m.heapCommitted() >= 200_000_000L, m.toString());
        assertEquals(1f, held[held.length - 1]);
    }

    @Test
    void megabytesForTheMetricsFiles() {
        Map<String, Double> mb = new MemoryUse(2_500_000, 10_000_000, 20_000_000, 0, -1, -1).megabytes();
        assertEquals(2.5, mb.get("heap_after_gc_mb"));
        assertEquals(10.0, mb.get("heap_peak_mb"));
        assertEquals(-1.0, mb.get("resident_mb"), "unknown stays -1");
    }
}
