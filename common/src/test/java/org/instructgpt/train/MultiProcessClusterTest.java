package org.instructgpt.train;

import org.instructgpt.data.TokenizedExample;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer on a real multi-process Spark cluster (executors in their own JVMs, parameters and gradients crossing
 * process boundaries) ends with exactly the parameters of the in-process local run.
 */
class MultiProcessClusterTest {
    @TempDir
    Path dir;

    @Test
    void executorsInTheirOwnJvmsGiveTheLocalResult() throws Exception {
        // SPARK_HOME for the workers: a jars/ folder with the test's classpath (DESIGN section 7).
        Path home = dir.resolve("spark-home");
        Files.createDirectories(home.resolve("jars"));
        String cp = System.getProperty("java.class.path");
        for (String entry : cp.split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar") && Files.exists(p)) {
                Path link = home.resolve("jars").resolve(p.getFileName());
                if (!Files.exists(link)) {
                    Files.createSymbolicLink(link, p);
                }
            }
        }
        List<String> jvm = new ArrayList<>(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        jvm.removeIf(a -> a.startsWith("-agentlib") || a.startsWith("-javaagent"));
        String executorOpts = String.join(" ", jvm.stream().filter(a -> a.startsWith("--add-") || a.startsWith("-Dorg.bytedeco")).toList());
        Path out = dir.resolve("params.bin");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvm);
        cmd.add("-Dinstructgpt.test.executorOpts=" + executorOpts);
        cmd.add("-cp");
        cmd.add(cp);
        cmd.add(ClusterTrainerMain.class.getName());
        cmd.add(out.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.12");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        Process child = pb.start();
        // A driver whose executors cannot start never exits: bound it (DESIGN section 7).
        boolean done = child.waitFor(240, TimeUnit.SECONDS);
        if (!done) {
            child.descendants().forEach(ProcessHandle::destroyForcibly);
            child.destroyForcibly();
        }
        String log = Files.exists(dir.resolve("child.log")) ? Files.readString(dir.resolve("child.log")) : "";
        String tail = log.length() > 4000 ? log.substring(log.length() - 4000) : log;
        assertTrue(done, "the cluster run did not finish in 240 s:\n" + tail);
        assertEquals(0, child.exitValue(), "the cluster run failed:\n" + tail);
        assertTrue(log.contains("executor pids"), tail);

        DataParallelTrainerTest.data();
        DataParallelTrainer<TokenizedExample> local = new DataParallelTrainer<>(DataParallelTrainerTest.sc,
                DataParallelTrainerTest.data, new LanguageModelObjective(ByteLevelTokenizer.PAD),
                DataParallelTrainerTest.freshModel(), DataParallelTrainerTest.OPT, 17);
        for (int s = 0; s < 3; s++) {
            local.runStep();
        }
        assertArrayEquals(FloatBytes.toBytes(local.model().params().flat()), Files.readAllBytes(out));
    }
}
