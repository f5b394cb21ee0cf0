package org.instructgpt.jobs;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on 127.0.0.1 for integration tests: a master and workers started from the project's own
 * classpath ({@code jobs/target/lib}, made into a Spark home's {@code jars/} as a distribution would have it, our own
 * jars left out), executors in their own JVMs, and jobs submitted with the cluster jar through Spark's
 * {@code SparkSubmit}, as a user would. {@link #close} brings every process down by pid, executors first.
 */
final class StandaloneCluster implements AutoCloseable {
    static final Path JOBS = Path.of("").toAbsolutePath();
    static final Path CLUSTER_JAR = JOBS.resolve("target/instructgpt-jobs-0.1.0-SNAPSHOT-cluster.jar");
    private static final List<String> OPENS = List.of("java.lang", "java.lang.invoke", "java.lang.reflect", "java.io",
            "java.net", "java.nio", "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "sun.nio.ch",
            "sun.nio.cs", "sun.security.action", "sun.util.calendar");

    private final Path dir;
    private final Path sparkHome;
    private final int port;
    private final List<Process> processes = new ArrayList<>();
    private final List<Process> workers = new ArrayList<>();
    private final String workerMemory;

    StandaloneCluster(Path dir, int workerCount) throws IOException, InterruptedException {
        this(dir, workerCount, "2g");
    }

    /** A cluster whose workers offer {@code workerMemory} each (one executor per worker). */
    StandaloneCluster(Path dir, int workerCount, String workerMemory) throws IOException, InterruptedException {
        this.dir = dir;
        this.workerMemory = workerMemory;
        this.sparkHome = dir.resolve("spark-home");
        Files.createDirectories(sparkHome.resolve("jars"));
        try (Stream<Path> jars = Files.list(JOBS.resolve("target/lib"))) {
            for (Path jar : jars.filter(p -> !p.getFileName().toString().startsWith("instructgpt-")).toList()) {
                Files.createSymbolicLink(sparkHome.resolve("jars").resolve(jar.getFileName()), jar);
            }
        }
        this.port = freePort();
        processes.add(start("master", List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", String.valueOf(port), "--webui-port", String.valueOf(freePort()))));
        for (int w = 0; w < workerCount; w++) {
            addWorker("worker" + w);
        }
        awaitWorkers(workerCount, Duration.ofSeconds(90));
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + port;
    }

    /** Starts one more worker (1 core) and waits until it has registered. */
    void addWorker(String name) throws IOException {
        Path work = Files.createDirectories(dir.resolve(name + "-work"));
        Process p = start(name, List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                "--memory", workerMemory, "--webui-port", "0", "--work-dir", work.toString(), masterUrl()));
        processes.add(p);
        workers.add(p);
    }

    /** Stops a worker and its executors (a machine leaving the cluster). */
    void removeWorker(int index) throws InterruptedException {
        Process w = workers.remove(index);
        kill(w);
    }

    /** The executor JVMs the workers have started, alive now. */
    List<ProcessHandle> executors() {
        List<ProcessHandle> out = new ArrayList<>();
        for (Process w : workers) {
            w.toHandle().descendants()
                    .filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                    .forEach(out::add);
        }
        return out;
    }

    /** Runs a subcommand of the cluster jar on the cluster (client mode); its output goes to {@code log}. */
    Process submit(Path log, List<String> args) throws IOException {
        return submit(log, args, "1g", "1g");
    }

    /** {@link #submit(Path, List)} with the driver's heap and each executor's memory given. */
    Process submit(Path log, List<String> args, String driverHeap, String executorMemory) throws IOException {
        List<String> cmd = new ArrayList<>(java());
        cmd.addAll(List.of("-Xmx" + driverHeap, "org.apache.spark.deploy.SparkSubmit", "--master", masterUrl(),
                "--conf", "spark.executor.extraJavaOptions=" + String.join(" ", jvmFlags()),
                "--conf", "spark.executor.memory=" + executorMemory, "--conf", "spark.executor.cores=1",
                "--conf", "spark.cores.max=" + workers.size(),
                "--class", InstructGpt.class.getName(), CLUSTER_JAR.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        environment(pb);
        return pb.start();
    }

    /** Runs a subcommand to its end and returns the exit code. */
    int run(Path log, List<String> args, Duration timeout) throws IOException, InterruptedException {
        Process p = submit(log, args);
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            kill(p);
            throw new AssertionError(args.get(0) + " did not finish in " + timeout + "; see " + log);
        }
        return p.exitValue();
    }

    /** What a fault test waits for before it strikes. */
    @FunctionalInterface
    interface Progress {
        boolean reached() throws IOException;
    }

    /** Submits a subcommand and returns once it has made {@code progress}, still running. */
    Process submitUntil(Path log, List<String> args, Progress progress) throws IOException, InterruptedException {
        Process p = submit(log, args);
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!progress.reached() && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        if (!p.isAlive()) {
            throw new AssertionError(args.get(0) + " ended before the fault could strike; see " + log);
        }
        return p;
    }

    /** Kills one executor JVM with SIGKILL, as a machine failing would. */
    void killAnExecutor() {
        List<ProcessHandle> running = executors();
        if (running.isEmpty()) {
            throw new AssertionError("no executor to kill");
        }
        running.get(0).destroyForcibly();
    }

    /** Waits for a submitted subcommand to end and asserts that it succeeded. */
    static void finishes(Process p, Path log) throws InterruptedException {
        if (!p.waitFor(4, TimeUnit.MINUTES)) {
            throw new AssertionError("the stage did not finish; see " + log);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("exit " + p.exitValue() + "; see " + log);
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (ProcessHandle e : executors()) {
            e.destroyForcibly();
        }
        for (int i = processes.size() - 1; i >= 0; i--) {
            kill(processes.get(i));
        }
    }

    static void kill(Process p) throws InterruptedException {
        p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    private Process start(String name, List<String> mainAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>(java());
        cmd.add("-Xmx512m");
        cmd.addAll(mainAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        environment(pb);
        return pb.start();
    }

    private void awaitWorkers(int n, Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            int registered = 0;
            try (Stream<Path> logs = Files.list(dir)) {
                for (Path log : logs.filter(p -> p.getFileName().toString().matches("worker\\d+\\.log")).toList()) {
                    registered += Files.readString(log).contains("Successfully registered with master") ? 1 : 0;
                }
            }
            if (registered >= n) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(n + " workers did not register with the master in " + timeout + "; logs in " + dir);
    }

    private List<String> java() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags());
        cmd.add("-cp");
        cmd.add(sparkHome.resolve("jars") + "/*");
        return cmd;
    }

    private static List<String> jvmFlags() {
        List<String> flags = new ArrayList<>();
        for (String p : OPENS) {
            flags.add("--add-opens=java.base/" + p + "=ALL-UNNAMED");
        }
        flags.add("--add-modules=jdk.incubator.vector");
        return flags;
    }

    private void environment(ProcessBuilder pb) {
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.12");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
