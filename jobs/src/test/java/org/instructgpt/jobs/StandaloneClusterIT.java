package org.instructgpt.jobs;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.instructgpt.jobs.SharedCluster.PRETRAIN_STEPS;
import static org.instructgpt.jobs.SharedCluster.RUN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pre-training on a real multi-process Spark cluster ({@link SharedCluster}: a master and two workers on 127.0.0.1,
 * executors in their own JVMs, the cluster jar submitted through SparkSubmit). Across the executors it gives the
 * parameters of {@code local[2]} bit for bit, and so does a run whose executor is killed with SIGKILL in the middle of
 * the stage: the lost tasks are retried and every random choice is keyed by seed, step and partition. A driver killed
 * mid-stage resumes, past a truncated newest checkpoint, to the same parameters; a worker leaving and another joining
 * between steps does not stop training.
 */
@ExtendWith(SharedCluster.class)
class StandaloneClusterIT {
    private static float[] reference;

    @BeforeAll
    static void theSharedPretrainingIsTheReference() throws Exception {
        reference = finalParameters("pretrain");
    }

    @Test
    void pretrainingAcrossExecutorJvmsGivesTheParametersOfLocalMode() throws Exception {
        List<String> local = new ArrayList<>(SharedCluster.pretrain("pretrain-local"));
        local.addAll(List.of("--set", "instructgpt.spark.master=\"local[2]\""));
        assertEquals(0, InstructGpt.commandLine().execute(local.toArray(String[]::new)));
        assertArrayEquals(reference, finalParameters("pretrain-local"));
    }

    @Test
    void anExecutorKilledInTheMiddleOfTheStageLosesNothing() throws Exception {
        Path log = SharedCluster.DIR.resolve("pretrain-faulted.log");
        Path stage = RUN.resolve("pretrain-faulted");
        Process p = submitUntil(log, "pretrain-faulted",
                () -> StageOutputs.metricsOfKind(stage, "train") >= PRETRAIN_STEPS / 3);
        SharedCluster.cluster().killAnExecutor();
        StandaloneCluster.finishes(p, log);
        String driver = Files.readString(log);
        assertTrue(driver.contains("Lost executor") || driver.contains("ExecutorLostFailure"),
                "the driver saw no executor lost; see " + log);
        assertTrue(StageOutputs.metricsOfKind(stage, "train") >= PRETRAIN_STEPS, "every step ran");
        assertArrayEquals(reference, finalParameters("pretrain-faulted"));
    }

    /**
     * The driver killed in the middle of the stage, then the newest checkpoint truncated (a write cut short): the
     * rerun with --resume refuses that checkpoint, continues from the one before, and ends with the same parameters.
     */
    @Test
    void aKilledDriverResumesPastATruncatedCheckpointToTheSameParameters() throws Exception {
        Path log = SharedCluster.DIR.resolve("pretrain-driver.log");
        Path stage = RUN.resolve("pretrain-driver");
        Process p = submitUntil(log, "pretrain-driver", () -> StageOutputs.checkpointCount(stage) >= 2);
        StandaloneCluster.kill(p);
        assertTrue(!Files.exists(stage.resolve("final")), "the driver was killed before the end");
        Path newest;
        try (var dirs = Files.list(stage.resolve("checkpoints"))) {
            newest = dirs.filter(Files::isDirectory).max(Path::compareTo).orElseThrow();
        }
        Path weights = newest.resolve("model.safetensors");
        try (var ch = java.nio.channels.FileChannel.open(weights, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(weights) / 2);
        }
        List<String> resume = SharedCluster.pretrain("pretrain-driver");
        resume.add("--resume");
        SharedCluster.runOnCluster("pretrain-driver-resumed", resume);
        String resumed = Files.readString(SharedCluster.DIR.resolve("pretrain-driver-resumed.log"));
        assertTrue(resumed.contains("skipping checkpoint") && resumed.contains(newest.getFileName().toString()),
                "the truncated checkpoint was not refused; see pretrain-driver-resumed.log");
        assertArrayEquals(reference, finalParameters("pretrain-driver"));
    }

    /** A worker leaves in the middle of the stage and another joins: training goes on, to the same parameters. */
    @Test
    void aWorkerLeavingAndAnotherJoiningDoesNotStopTraining() throws Exception {
        Path log = SharedCluster.DIR.resolve("pretrain-workers.log");
        Path stage = RUN.resolve("pretrain-workers");
        Process p = submitUntil(log, "pretrain-workers",
                () -> StageOutputs.metricsOfKind(stage, "train") >= PRETRAIN_STEPS / 3);
        SharedCluster.cluster().removeWorker(0);
        SharedCluster.cluster().addWorker("worker-joined");
        StandaloneCluster.finishes(p, log);
        assertArrayEquals(reference, finalParameters("pretrain-workers"));
    }

    private static Process submitUntil(Path log, String output, StandaloneCluster.Progress progress) throws Exception {
        return SharedCluster.cluster().submitUntil(log, SharedCluster.pretrain(output), progress);
    }

    private static float[] finalParameters(String stage) throws Exception {
        return StageOutputs.parameters(RUN.resolve(stage).resolve("final"));
    }
}
