package org.instructgpt.jobs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/spark-submit.sh hands spark-submit the master, our JVM flags, the user's spark-submit options (before a
 * {@code --}) and then the jar and the subcommand with its arguments, in that order. spark-submit is replaced by a
 * script that prints its arguments one per line (no Spark distribution here); that every subcommand's arguments parse
 * is {@link InstructGptCommandTest}'s and {@link AirflowDagTest}'s job.
 */
class SparkSubmitScriptTest {
    private static final Path SCRIPT = Path.of("..").toAbsolutePath().normalize().resolve("deploy/spark-submit.sh");

    @TempDir
    Path tmp;

    private record Run(int exit, List<String> args, String err) {
    }

    private Run submit(String... args) throws IOException, InterruptedException {
        Path stub = tmp.resolve("spark-submit");
        Files.writeString(stub, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(tmp.resolve("err").toFile());
        pb.environment().put("SPARK_SUBMIT", stub.toString());
        pb.environment().put("SPARK_MASTER", "yarn");
        pb.environment().put("INSTRUCTGPT_JAR", "/opt/instructgpt.jar");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return new Run(p.exitValue(), out.isEmpty() ? List.of() : List.of(out.split("\n")),
                Files.readString(tmp.resolve("err")));
    }

    @Test
    void sparkOptionsBeforeTheSeparatorComeBeforeTheJarAndTheSubcommandAfter() throws Exception {
        Run r = submit("--deploy-mode", "cluster", "--properties-file", "deploy/conf/spark-defaults.cpu.conf", "--",
                "sft", "--config", "conf/my.conf", "--resume");
        assertEquals(0, r.exit(), r.err());
        List<String> a = r.args();
        assertEquals(List.of("--master", "yarn"), a.subList(0, 2));
        int jar = a.indexOf("/opt/instructgpt.jar");
        assertEquals(List.of("sft", "--config", "conf/my.conf", "--resume"), a.subList(jar + 1, a.size()));
        int mode = a.indexOf("--deploy-mode");
        assertTrue(mode > 0 && mode < jar, a.toString());
        assertEquals("deploy/conf/spark-defaults.cpu.conf", a.get(a.indexOf("--properties-file") + 1));
        assertTrue(a.stream().anyMatch(s -> s.startsWith("spark.executor.extraJavaOptions=")
                && s.contains("--add-modules=jdk.incubator.vector")), a.toString());
        assertTrue(a.contains("spark.executorEnv.OMP_NUM_THREADS=1"), a.toString());
    }

    @Test
    void withoutTheSeparatorEveryArgumentIsTheSubcommands() throws Exception {
        Run r = submit("generate", "--set", "instructgpt.generate.temperature=0.8");
        assertEquals(0, r.exit(), r.err());
        int jar = r.args().indexOf("/opt/instructgpt.jar");
        assertEquals(List.of("generate", "--set", "instructgpt.generate.temperature=0.8"),
                r.args().subList(jar + 1, r.args().size()));
    }

    @Test
    void noSubcommandIsAClearError() throws Exception {
        Run r = submit("--deploy-mode", "cluster", "--");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("name a subcommand"), r.err());
        assertEquals(List.of(), r.args());
    }
}
