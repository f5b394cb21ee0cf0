package org.instructgpt.jobs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.instructgpt.io.ModelCheckpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stages on a real multi-process Spark cluster ({@link StandaloneCluster}: a master and two workers on 127.0.0.1,
 * executors in their own JVMs, the cluster jar submitted through SparkSubmit). Pre-training across the executors gives
 * the parameters of {@code local[2]} bit for bit, and so does a run whose executor is killed with SIGKILL in the
 * middle of the stage: the lost tasks are retried and every random choice is keyed by seed, step and partition. A
 * driver killed mid-stage resumes, past a truncated newest checkpoint, to the same parameters; a worker leaving and
 * another joining between steps does not stop training. The cluster is brought down by pid even when a test fails.
 */
class StandaloneClusterIT {
    private static final int STEPS = 24;

    @TempDir
    static Path tmp;

    private static StandaloneCluster cluster;
    private static Path run;
    private static float[] reference;

    @BeforeAll
    static void startClusterAndPretrain() throws Exception {
        assertTrue(Files.isRegularFile(StandaloneCluster.CLUSTER_JAR), "build the cluster jar first: mvn package");
        cluster = new StandaloneCluster(tmp.resolve("cluster"), 2);
        run = tmp.resolve("run");
        assertEquals(0, cluster.run(tmp.resolve("prepare.log"), args("prepare"), Duration.ofMinutes(3)),
                "prepare on the cluster; see " + tmp.resolve("prepare.log"));
        Path log = tmp.resolve("pretrain.log");
        assertEquals(0, cluster.run(log, pretrain("pretrain"), Duration.ofMinutes(4)), "pretrain; see " + log);
        reference = finalParameters(run.resolve("pretrain"));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void pretrainingAcrossExecutorJvmsGivesTheParametersOfLocalMode() throws Exception {
        List<String> local = new ArrayList<>(pretrain("pretrain-local"));
        local.addAll(List.of("--set", "instructgpt.spark.master=\"local[2]\""));
        assertEquals(0, InstructGpt.commandLine().execute(local.toArray(String[]::new)));
        assertArrayEquals(reference, finalParameters(run.resolve("pretrain-local")));
    }

    @Test
    void anExecutorKilledInTheMiddleOfTheStageLosesNothing() throws Exception {
        Path log = tmp.resolve("pretrain-faulted.log");
        Path metrics = run.resolve("pretrain-faulted/metrics.jsonl");
        Process p = submitUntil(log, "pretrain-faulted", () -> stepsLogged(metrics) >= STEPS / 3);
        List<ProcessHandle> executors = cluster.executors();
        assertTrue(!executors.isEmpty(), "no executor to kill");
        executors.get(0).destroyForcibly();
        finishes(p, log);
        String driver = Files.readString(log);
        assertTrue(driver.contains("Lost executor") || driver.contains("ExecutorLostFailure"),
                "the driver saw no executor lost; see " + log);
        assertTrue(stepsLogged(metrics) >= STEPS, "every step ran");
        assertArrayEquals(reference, finalParameters(run.resolve("pretrain-faulted")));
    }

    /**
     * The driver killed in the middle of the stage, then the newest checkpoint truncated (a write cut short): the
     * rerun with --resume refuses that checkpoint, continues from the one before, and ends with the same parameters.
     */
    @Test
    void aKilledDriverResumesPastATruncatedCheckpointToTheSameParameters() throws Exception {
        Path log = tmp.resolve("pretrain-driver.log");
        Path checkpoints = run.resolve("pretrain-driver/checkpoints");
        Process p = submitUntil(log, "pretrain-driver", () -> checkpointCount(checkpoints) >= 2);
        StandaloneCluster.kill(p);
        assertTrue(!Files.exists(run.resolve("pretrain-driver/final")), "the driver was killed before the end");
        Path newest;
        try (var dirs = Files.list(checkpoints)) {
            newest = dirs.filter(Files::isDirectory).max(Path::compareTo).orElseThrow();
        }
        Path weights = newest.resolve("model.safetensors");
        try (var ch = java.nio.channels.FileChannel.open(weights, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(weights) / 2);
        }
        List<String> resume = pretrain("pretrain-driver");
        resume.add("--resume");
        Path log2 = tmp.resolve("pretrain-driver-resumed.log");
        assertEquals(0, cluster.run(log2, resume, Duration.ofMinutes(4)), "see " + log2);
        String resumed = Files.readString(log2);
        assertTrue(resumed.contains("skipping checkpoint") && resumed.contains(newest.getFileName().toString()),
                "the truncated checkpoint was not refused; see " + log2);
        assertArrayEquals(reference, finalParameters(run.resolve("pretrain-driver")));
    }

    /** A worker leaves in the middle of the stage and another joins: training goes on, to the same parameters. */
    @Test
    void aWorkerLeavingAndAnotherJoiningDoesNotStopTraining() throws Exception {
        Path log = tmp.resolve("pretrain-workers.log");
        Path metrics = run.resolve("pretrain-workers/metrics.jsonl");
        Process p = submitUntil(log, "pretrain-workers", () -> stepsLogged(metrics) >= STEPS / 3);
        cluster.removeWorker(0);
        cluster.addWorker("worker-joined");
        finishes(p, log);
        assertArrayEquals(reference, finalParameters(run.resolve("pretrain-workers")));
    }

    /** What a fault test waits for before it strikes. */
    @FunctionalInterface
    private interface Progress {
        boolean reached() throws java.io.IOException;
    }

    /** Submits pre-training into {@code output} and returns once it has made {@code progress}, still running. */
    private static Process submitUntil(Path log, String output, Progress progress) throws Exception {
        Process p = cluster.submit(log, pretrain(output));
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!progress.reached() && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(p.isAlive(), "the stage ended before the fault could strike; see " + log);
        return p;
    }

    /** The stage runs to its end and succeeds. */
    private static void finishes(Process p, Path log) throws InterruptedException {
        assertTrue(p.waitFor(4, java.util.concurrent.TimeUnit.MINUTES), "the stage did not finish; see " + log);
        assertEquals(0, p.exitValue(), "see " + log);
    }

    private static long checkpointCount(Path checkpoints) throws java.io.IOException {
        if (!Files.isDirectory(checkpoints)) {
            return 0;
        }
        try (var dirs = Files.list(checkpoints)) {
            return dirs.filter(d -> Files.exists(d.resolve("model.safetensors"))).count();
        }
    }

    private static List<String> args(String subcommand) {
        return new ArrayList<>(List.of(subcommand, "--preset", "ci", "--set", "instructgpt.run-dir=\"" + run + "\""));
    }

    private static List<String> pretrain(String output) {
        List<String> a = args("pretrain");
        a.addAll(List.of("--set", "instructgpt.pretrain.output=\"" + run.resolve(output) + "\"",
                "--set", "instructgpt.pretrain.optimizer.steps=" + STEPS,
                "--set", "instructgpt.train.log-every=1", "--set", "instructgpt.train.checkpoint-every=2"));
        return a;
    }

    private static long stepsLogged(Path metrics) throws java.io.IOException {
        if (!Files.exists(metrics)) {
            return 0;
        }
        try (var lines = Files.lines(metrics)) {
            return lines.filter(l -> l.contains("\"kind\":\"train\"")).count();
        }
    }

    private static float[] finalParameters(Path stage) throws Exception {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        ModelCheckpoint.Loaded m = ModelCheckpoint.load(fs, new org.apache.hadoop.fs.Path(stage.resolve("final").toUri()),
                DataType.FLOAT);
        return m.model().params().flat().toFloatVector();
    }
}
