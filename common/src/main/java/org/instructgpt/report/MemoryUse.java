package org.instructgpt.report;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * This JVM's memory, read without forcing a collection: what each heap pool held after its own last collection
 * (closer to what is held than the heap in use, which between collections is mostly garbage; but G1 collects its old
 * generation rarely, so this still counts garbage there), the heap's peak (the sum of each pool's own
 * peak, so an upper bound that can exceed the committed size) and committed size, ND4J's
 * off-heap buffers (JavaCPP's count) and NIO's direct buffers, and the process's resident size and its peak from
 * {@code /proc/self/status} (Linux; -1 elsewhere). In local mode the driver and the executors are this one JVM.
 */
public record MemoryUse(long heapAfterGc, long heapPeak, long heapCommitted, long offHeap, long residentBytes,
                        long residentPeakBytes) {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    public static MemoryUse now() {
        long afterGc = 0;
        long peak = 0;
        long committed = 0;
        for (MemoryPoolMXBean p : heapPools()) {
            MemoryUsage after = p.getCollectionUsage();
            afterGc += after == null ? 0 : after.getUsed();
            peak += p.getPeakUsage().getUsed();
            committed += p.getUsage().getCommitted();
        }
        long direct = 0;
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            direct += b.getMemoryUsed();
        }
        return new MemoryUse(afterGc, peak, committed, javacppBytes() + direct, status("VmRSS:"), status("VmHWM:"));
    }

    /**
     * Starts the peaks afresh (each stage's own peak): the heap pools' peak usage, and the resident peak, which Linux
     * resets when a process writes 5 to its {@code clear_refs}. Quietly does nothing where that file is absent.
     */
    public static void resetPeaks() {
        heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);
        if (Files.isWritable(CLEAR_REFS)) {
            try {
                Files.writeString(CLEAR_REFS, "5");
            } catch (IOException | SecurityException e) {
                // The peak then covers the process's life so far, which the record's name does not promise otherwise.
            }
        }
    }

    /** In MB, for metrics files and reports. */
    public Map<String, Double> megabytes() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("heap_after_gc_mb", mb(heapAfterGc));
        m.put("heap_peak_mb", mb(heapPeak));
        m.put("heap_committed_mb", mb(heapCommitted));
        m.put("off_heap_mb", mb(offHeap));
        m.put("resident_mb", mb(residentBytes));
        m.put("resident_peak_mb", mb(residentPeakBytes));
        return m;
    }

    private static double mb(long bytes) {
        return bytes < 0 ? -1 : Math.round(bytes / 1e6 * 10) / 10.0;
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP).toList();
    }

    /** JavaCPP's tally of the native memory it allocated (ND4J's arrays). */
    private static long javacppBytes() {
        return org.bytedeco.javacpp.Pointer.totalBytes();
    }

    /** A {@code kB} line of /proc/self/status, in bytes; -1 where there is none. */
    static long status(String key) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
