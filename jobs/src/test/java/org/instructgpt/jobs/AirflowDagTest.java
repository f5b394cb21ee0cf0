package org.instructgpt.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * deploy/airflow/instructgpt_dag.py: it compiles, its tasks are the pipeline's stages in order, each one's
 * spark-submit arguments parse with the real command line, and the configuration they give each stage loads and
 * puts every stage of a DAG run under that run's directory. Airflow itself cannot be installed here, so the DAG is
 * loaded against a stand-in of its modules (check_dag.py); test_dag.py loads it through Airflow's DagBag where
 * Airflow is present and skips elsewhere. Skipped where there is no python3.
 */
class AirflowDagTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path DAG = ROOT.resolve("deploy/airflow/instructgpt_dag.py");
    private static final List<String> STAGES = List.of("prepare", "pretrain", "sft", "label", "rm", "select_sft",
            "ppo_ptx", "ppo", "eval", "report");
    private static final List<String> TRAINING = List.of("pretrain", "sft", "rm", "ppo_ptx", "ppo");
    private static JsonNode dag;

    @BeforeAll
    static void loadDag() throws Exception {
        assumeTrue(python("--version").exit == 0, "python3 is not installed");
        Run run = python(ROOT.resolve("deploy/airflow/check_dag.py").toString());
        assertEquals(0, run.exit, run.out);
        dag = new ObjectMapper().readTree(run.out);
    }

    @Test
    void compilesAndLoadsThroughAirflowWhereItIsInstalled() throws Exception {
        Run compiled = python("-m", "py_compile", DAG.toString());
        assertEquals(0, compiled.exit, compiled.out);
        Run dagBag = python(ROOT.resolve("deploy/airflow/test_dag.py").toString(), "-v");
        assertEquals(0, dagBag.exit, dagBag.out);
    }

    @Test
    void theStagesRunInThePipelinesOrderWithRetriesAndNoCatchUp() {
        assertEquals("instructgpt", dag.get("dag_id").asText());
        assertFalse(dag.get("catchup").asBoolean(true));
        assertTrue(dag.get("retries").asInt() >= 1);
        List<String> ids = new ArrayList<>();
        for (JsonNode t : dag.get("tasks")) {
            ids.add(t.get("task_id").asText());
            List<String> upstream = new ArrayList<>();
            t.get("upstream").forEach(u -> upstream.add(u.asText()));
            int i = ids.size() - 1;
            assertEquals(i == 0 ? List.of() : List.of(STAGES.get(i - 1)), upstream, t.get("task_id").asText());
            assertEquals(InstructGpt.class.getName(), t.get("java_class").asText());
        }
        assertEquals(STAGES, ids);
    }

    @Test
    void everyArgumentIsAnOptionOfTheCommandLineAndEveryStageWritesUnderTheRunsDirectory() throws Exception {
        String runDir = null;
        for (JsonNode t : dag.get("tasks")) {
            String id = t.get("task_id").asText();
            List<String> args = new ArrayList<>();
            for (JsonNode a : t.get("args")) {
                // The DAG names the config file as the cluster sees it; here it is the repository's copy.
                args.add(!args.isEmpty() && args.get(args.size() - 1).equals("--config")
                        ? ROOT.resolve(a.asText()).toString() : a.asText());
            }
            assertEquals(TRAINING.contains(id), args.contains("--resume"), id + ": --resume on the training stages");
            CommandLine cl = InstructGpt.commandLine();
            CommandLine.ParseResult parsed = cl.parseArgs(args.toArray(String[]::new));
            assertTrue(parsed.hasSubcommand(), id);
            Object command = parsed.subcommand().commandSpec().userObject();
            Config c = configOf(command).load();
            String dir = c.getString("instructgpt.run-dir");
            assertTrue(dir.startsWith(dag.get("params").get("runs_root").asText() + "/"), id + ": " + dir);
            assertFalse(dir.indexOf(':', "hdfs:".length()) >= 0 || dir.contains("+"), id + ": not a Hadoop path: " + dir);
            if (runDir == null) {
                runDir = dir;
            }
            assertEquals(runDir, dir, id + ": every stage of a run under one directory");
            assertEquals(dag.get("params").get("seed").asLong(), c.getLong("instructgpt.seed"), id);
            if (id.equals("ppo")) {
                assertEquals(0.0, c.getDouble("instructgpt.ppo.ptx.coef"), id);
                assertEquals(runDir + "/ppo-no-ptx", c.getString("instructgpt.ppo.output"), id);
                assertEquals(c.getString("instructgpt.pipeline.ppo-no-ptx.output"), c.getString("instructgpt.ppo.output"),
                        "eval reads PPO without ptx where the DAG writes it");
            }
        }
    }

    private static ConfigOptions configOf(Object command) throws IllegalAccessException {
        for (Field f : command.getClass().getDeclaredFields()) {
            if (f.getType() == ConfigOptions.class) {
                f.setAccessible(true);
                return (ConfigOptions) f.get(command);
            }
        }
        throw new AssertionError(command.getClass() + " has no config options");
    }

    private record Run(int exit, String out) {
    }

    private static Run python(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("python3"));
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Run(-1, e.getMessage());
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python3 " + args[0] + " did not finish");
        return new Run(p.exitValue(), out);
    }
}
