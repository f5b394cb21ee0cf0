package org.instructgpt.jobs;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One {@link StandaloneCluster} (a master and two workers), one prepared world and one pre-trained model on it, shared
 * by every cluster test class of the run: each submit costs half a minute of JVM and executor start-up, so the
 * cluster and the stages every class needs are started once. JUnit closes it when the whole run ends (its root
 * store), also when a test fails. Logs and outputs stay under {@code target/cluster-it} for a failure to be read.
 */
final class SharedCluster implements BeforeAllCallback {
    /** Pre-training steps: long enough for a fault to strike between steps, checkpoints every 2. */
    static final int PRETRAIN_STEPS = 24;
    static final Path DIR = StandaloneCluster.JOBS.resolve("target/cluster-it");
    static final Path RUN = DIR.resolve("run");

    private static StandaloneCluster cluster;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(SharedCluster.class, k -> start(), Started.class);
    }

    static StandaloneCluster cluster() {
        return cluster;
    }

    /** The arguments of a subcommand with the CI preset in the shared run directory. */
    static List<String> args(String subcommand) {
        return new ArrayList<>(List.of(subcommand, "--preset", "ci", "--set", "instructgpt.run-dir=\"" + RUN + "\"",
                "--set", "instructgpt.train.log-every=1"));
    }

    /** Pre-training into {@code run/<output>}; {@code run/pretrain} is the shared one. */
    static List<String> pretrain(String output) {
        List<String> a = args("pretrain");
        a.addAll(List.of("--set", "instructgpt.pretrain.output=\"" + RUN.resolve(output) + "\"",
                "--set", "instructgpt.pretrain.optimizer.steps=" + PRETRAIN_STEPS,
                "--set", "instructgpt.train.checkpoint-every=2"));
        return a;
    }

    /** Runs a subcommand on the cluster to its end and asserts that it succeeded. */
    static void runOnCluster(String name, List<String> args) {
        Path log = DIR.resolve(name + ".log");
        try {
            int exit = cluster.run(log, args, Duration.ofMinutes(4));
            if (exit != 0) {
                throw new AssertionError(name + " on the cluster exited " + exit + "; see " + log);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Started start() {
        if (!Files.isRegularFile(StandaloneCluster.CLUSTER_JAR)) {
            throw new AssertionError("build the cluster jar first: mvn package");
        }
        try {
            deleteRecursively(DIR);
            cluster = new StandaloneCluster(Files.createDirectories(DIR.resolve("cluster")), 2);
            try {
                runOnCluster("prepare", args("prepare"));
                runOnCluster("pretrain", pretrain("pretrain"));
            } catch (RuntimeException | Error e) {
                cluster.close();
                throw e;
            }
            return new Started();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Brings the cluster down by pid when JUnit closes its root store. */
    private static final class Started implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws InterruptedException {
            cluster.close();
        }
    }
}
