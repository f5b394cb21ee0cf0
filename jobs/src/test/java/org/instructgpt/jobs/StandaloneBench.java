package org.instructgpt.jobs;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A {@code bench} subcommand on a standalone cluster whose executors are JVMs of their own (one core each), so
 * parameters and gradients cross process boundaries as on real machines (docs/scaling.md). A benchmark, not a test:
 * not named *IT, so {@code mvn verify} leaves it out. Run it with
 * {@code mvn -B verify -pl jobs -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=StandaloneBench}.
 * System properties: {@code bench.command}, the subcommand ({@code bench}; {@code pipeline} runs the main job, every
 * stage at its defaults, and prints each stage's share of Spark); {@code bench.args}, the arguments after it
 * separated by spaces (default
 * {@code --sync} over {@code sync.parameters}, e.g. {@code "[1000000,16000000]"}, on the workers and twice as many
 * partitions); {@code bench.workers} (2); {@code bench.minutes}, after which the run is stopped (30);
 * {@code bench.executor-memory} (3g). The output is printed and kept in
 * {@code target/standalone-bench/bench.log}, followed by the peak resident memory of the driver's and of every
 * executor's JVM (VmHWM, sampled from /proc every half second while the bench runs).
 */
class StandaloneBench {
    /** A process's peak resident set so far (VmHWM, kB), 0 once it is gone. */
    static long peakResidentKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // The process ended between listing and reading, or /proc is not there (not Linux): nothing to add.
        }
        return 0;
    }

    @Test
    void benchOnExecutorsOfTheirOwn() throws Exception {
        int workers = Integer.getInteger("bench.workers", Integer.getInteger("sync.workers", 2));
        String executorMemory = System.getProperty("bench.executor-memory", "3g");
        Path dir = StandaloneCluster.JOBS.resolve("target/standalone-bench");
        org.apache.commons.io.FileUtils.deleteQuietly(dir.toFile());
        try (StandaloneCluster cluster = new StandaloneCluster(Files.createDirectories(dir.resolve("cluster")), workers,
                executorMemory)) {
            List<String> args = new ArrayList<>(List.of(System.getProperty("bench.command", "bench")));
            String given = System.getProperty("bench.args");
            if (given != null && !given.isBlank()) {
                args.addAll(Arrays.asList(given.trim().split("\\s+")));
            } else {
                args.addAll(List.of("--sync", "--set", "instructgpt.bench.sync.parameters=" + System.getProperty(
                                "sync.parameters", "[1000000,4000000,16000000,32000000]"),
                        "--set", "instructgpt.bench.sync.partitions=[" + workers + "," + 2 * workers + "]"));
            }
            Path log = dir.resolve("bench.log");
            Process p = cluster.submit(log, args, "8g", executorMemory);
            Map<String, Long> peaks = new TreeMap<>();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(Integer.getInteger("bench.minutes", 30));
            while (!p.waitFor(500, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
                peaks.merge("driver (pid " + p.pid() + ")", peakResidentKb(p.pid()), Math::max);
                for (ProcessHandle e : cluster.executors()) {
                    peaks.merge("executor (pid " + e.pid() + ")", peakResidentKb(e.pid()), Math::max);
                }
            }
            if (p.isAlive()) {
                StandaloneCluster.kill(p);
            }
            Files.readAllLines(log).stream().filter(l -> !l.contains(" INFO ") && !l.contains(" WARN ")).forEach(System.out::println);
            String memory = "peak resident memory (VmHWM), MB: " + String.join(", ", peaks.entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue() / 1024).toList());
            System.out.println(memory);
            Files.writeString(log, memory + System.lineSeparator(), java.nio.file.StandardOpenOption.APPEND);
            assertEquals(0, p.exitValue(), "see " + log);
        }
    }
}
