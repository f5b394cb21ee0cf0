package org.instructgpt.jobs;

import org.apache.spark.sql.SparkSession;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetIO;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.SplitAssigner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.instructgpt.jobs.SharedCluster.RUN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SFT, labeling, an RM epoch and PPO iterations on a real standalone cluster ({@link SharedCluster}, executors in
 * their own JVMs), each of SFT, RM and PPO with an executor killed with SIGKILL in the middle: every stage gives what
 * the same stage gives in {@code local[2]} on the same input, bit for bit, so a lost executor loses nothing. A PPO
 * driver killed after its first iteration resumes to the same policy, EMA and value model. Every stage reads the
 * cluster's output of the stage before it, so each comparison is of one stage alone.
 */
@ExtendWith(SharedCluster.class)
class StandaloneClusterStagesIT {
    /** The EMA policy (final), the policy itself (last) and the value model. */
    private static final List<String> PPO_MODELS = List.of("final", "last", "value");

    @BeforeAll
    static void runTheStagesOnTheCluster() throws Exception {
        killAnExecutorDuring("sft", 3);
        SharedCluster.runOnCluster("label", stage("label", "label"));
        killAnExecutorDuring("rm", 3);
        killAnExecutorDuring("ppo", 1);
    }

    @Test
    void sftGivesTheParametersOfLocalMode() throws Exception {
        assertArrayEquals(params("sft/final"), params(local("sft") + "/final"));
    }

    @Test
    void labelingGivesTheComparisonsOfLocalMode() {
        String local = local("label");
        try {
            SparkSession spark = SparkSession.builder().master("local[1]").appName("read-labels").getOrCreate();
            for (String split : List.of(SplitAssigner.TRAIN, SplitAssigner.VALIDATION)) {
                List<DataRecord> cluster = DatasetIO.collect(spark, DatasetKind.COMPARISONS, RUN.resolve("label")
                        .toString(), split);
                assertTrue(split.equals(SplitAssigner.VALIDATION) || cluster.size() > 10, "labeled " + cluster.size());
                assertEquals(cluster, DatasetIO.collect(spark, DatasetKind.COMPARISONS, RUN.resolve(local).toString(),
                        split), split);
            }
        } finally {
            // The in-process stages open their own local[2] session; this one must not be the one they find.
            SparkSession.active().stop();
        }
    }

    @Test
    void anRmEpochGivesTheParametersOfLocalMode() throws Exception {
        assertArrayEquals(params("rm/final"), params(local("rm") + "/final"));
    }

    @Test
    void ppoIterationsGiveThePolicyAndValueModelOfLocalMode() throws Exception {
        String local = local("ppo");
        for (String model : PPO_MODELS) {
            assertArrayEquals(params("ppo/" + model), params(local + "/" + model), model);
        }
    }

    /** PPO's driver killed after its first iteration's checkpoint; --resume ends where the unbroken run ended. */
    @Test
    void aKilledPpoDriverResumesToTheSameModels() throws Exception {
        Path log = SharedCluster.DIR.resolve("ppo-driver.log");
        Process p = SharedCluster.cluster().submitUntil(log, stage("ppo", "ppo-driver"),
                () -> StageOutputs.checkpointCount(RUN.resolve("ppo-driver")) >= 1);
        StandaloneCluster.kill(p);
        assertTrue(!Files.exists(RUN.resolve("ppo-driver/final")), "the driver was killed before the end");
        assertTrue(!Files.exists(RUN.resolve("ppo-driver/_SUCCESS")), "a killed run's output is not marked complete");
        List<String> resume = stage("ppo", "ppo-driver");
        resume.add("--resume");
        SharedCluster.runOnCluster("ppo-driver-resumed", resume);
        assertTrue(Files.readString(SharedCluster.DIR.resolve("ppo-driver-resumed.log")).contains("resumed from"),
                "the rerun did not resume; see ppo-driver-resumed.log");
        for (String model : PPO_MODELS) {
            assertArrayEquals(params("ppo/" + model), params("ppo-driver/" + model), model);
        }
        assertTrue(Files.exists(RUN.resolve("ppo-driver/_SUCCESS")), "the resumed run marked its output complete");
    }

    /** Each stage command marks its output when it returns, as the pipeline does, for what waits on it (Airflow). */
    @Test
    void everyStageMarksItsOutputComplete() {
        for (String stage : List.of("sft", "label", "rm", "ppo")) {
            assertTrue(Files.exists(RUN.resolve(stage).resolve("_SUCCESS")), stage);
        }
    }

    /**
     * Runs a stage on the cluster into {@code run/<stage>} and kills an executor with SIGKILL once the driver has
     * logged step {@code after} of the stage: the stage must finish, the driver must have seen the executor lost while
     * steps were still to come (the log is live; metrics.jsonl is written only at checkpoints).
     */
    private static void killAnExecutorDuring(String stage, int after) throws Exception {
        Path log = SharedCluster.DIR.resolve(stage + ".log");
        String progress = "Progress: " + stage + " step ";
        Process p = SharedCluster.cluster().submitUntil(log, stage(stage, stage),
                () -> Files.exists(log) && Files.readString(log).contains(progress + after + "/"));
        SharedCluster.cluster().killAnExecutor();
        StandaloneCluster.finishes(p, log);
        String driver = Files.readString(log);
        int lost = Math.max(driver.indexOf("Lost executor"), driver.indexOf("ExecutorLostFailure"));
        assertTrue(lost >= 0, "the driver saw no executor lost; see " + log);
        assertTrue(driver.indexOf(progress, lost) > lost, "the executor was lost after the stage's last step; see " + log);
    }

    /** Runs the stage in this JVM in local[2] on the cluster's inputs, into {@code <stage>-local}. */
    private static String local(String stage) {
        String output = stage + "-local";
        List<String> args = stage(stage, output);
        args.addAll(List.of("--set", "instructgpt.spark.master=\"local[2]\""));
        assertEquals(0, InstructGpt.commandLine().execute(args.toArray(String[]::new)), stage + " in local[2]");
        return output;
    }

    /**
     * A stage with the CI preset writing into {@code run/<output>}, long enough (steps logged one by one, PPO
     * checkpointed every iteration) that a fault strikes in the middle. Its inputs are the defaults, the cluster's
     * outputs under {@code run/}; PPO starts from SFT's final model, as selection is not what is tested here.
     */
    private static List<String> stage(String stage, String output) {
        List<String> a = SharedCluster.args(stage);
        a.addAll(List.of("--set", "instructgpt." + stage + ".output=\"" + RUN.resolve(output) + "\"",
                "--set", "instructgpt.sft.epochs=3", "--set", "instructgpt.ppo.iterations=3",
                "--set", "instructgpt.ppo.policy=\"" + RUN.resolve("sft/final") + "\""));
        return a;
    }

    private static float[] params(String checkpoint) throws Exception {
        return StageOutputs.parameters(RUN.resolve(checkpoint));
    }
}
