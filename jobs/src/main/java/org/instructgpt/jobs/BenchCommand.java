package org.instructgpt.jobs;

import com.typesafe.config.Config;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.bench.ModelBenchmark;
import org.instructgpt.bench.PpoBenchmark;
import org.instructgpt.bench.RewardBenchmark;
import org.instructgpt.bench.SyncBenchmark;
import org.instructgpt.bench.TrainerBenchmark;
import org.instructgpt.train.ExchangeSettings;
import org.instructgpt.bench.TimeToLossBenchmark;
import org.instructgpt.config.Configs;
import org.instructgpt.model.cpu.VectorSupport;
import org.instructgpt.model.EngineKind;
import org.instructgpt.model.GptConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.instructgpt.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Prints training and generation throughput for configs S and M and the share of sgemm peak reached. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Model throughput: training tokens/s (forward, backward, AdamW), share of sgemm peak, KV-cache generation tokens/s. Settings: instructgpt.bench.*")
public final class BenchCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @picocli.CommandLine.Option(names = "--trainer",
            description = "benchmark the Spark trainer (1 and 2 partitions) against plain single-process training instead")
    boolean trainer;

    @picocli.CommandLine.Option(names = "--baseline",
            description = "time to the same validation loss: our Spark trainer against DL4J's ParameterAveragingTrainingMaster (instructgpt.bench.baseline.*)")
    boolean baseline;

    @picocli.CommandLine.Option(names = "--ppo",
            description = "whole PPO-ptx iterations of the stage on random models (instructgpt.bench.ppo.*, instructgpt.ppo.*)")
    boolean ppo;

    @picocli.CommandLine.Option(names = "--sync",
            description = "one synchronisation round without computation: the trainer's partition-ordered sum against treeAggregate, by parameters and partitions (instructgpt.bench.sync.*)")
    boolean sync;

    @Override
    public Integer call() throws Exception {
        Config c = config.load();
        if (sync) {
            return sync(c);
        }
        if (ppo) {
            return ppo(c);
        }
        if (trainer) {
            return trainer(c);
        }
        if (baseline) {
            return baseline(c);
        }
        Config b = c.getConfig("instructgpt.bench");
        System.err.println(Configs.render(c, "instructgpt.bench"));
        System.out.printf("threads: OMP_NUM_THREADS=%s OPENBLAS_NUM_THREADS=%s, %d cores%n", System.getenv("OMP_NUM_THREADS"),
                System.getenv("OPENBLAS_NUM_THREADS"), Runtime.getRuntime().availableProcessors());
        int n = b.getInt("sgemm-size");
        double nd4j = ModelBenchmark.sgemmGflops(n, 7);
        double heap = VectorSupport.available() ? ModelBenchmark.heapGemmGflops(n, 7) : 0;
        // The machine's peak is the faster of the two kernels; "% of peak" is measured against it.
        double peak = Math.max(nd4j, heap);
        System.out.printf("sgemm peak (%dx%d, median of 7): %.1f GFLOP/s (ND4J/OpenBLAS %.1f, HeapGemm on arrays %.1f)%n",
                n, n, peak, nd4j, heap);
        int replicas = b.getInt("replicas");
        System.out.printf("array engine: %s; data-parallel replicas: %d (%% of peak against %d x the one-core peak)%n",
                VectorSupport.available() ? "available" : "unavailable (" + VectorSupport.describe() + ")", replicas, replicas);
        EngineKind engine = EngineKind.parse(b.getString("engine"));
        DataType dtype = DataType.valueOf(b.getString("precision").toUpperCase(java.util.Locale.ROOT));
        System.out.printf("engine: %s (%s), %s%n", engine, engine.resolve(dtype), dtype);
        System.out.printf("%-6s %14s %12s %12s %16s %8s%n", "config", "train tok/s", "GFLOP/tok", "% of peak", "generate tok/s", "loss");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("engine", engine.resolve(dtype).toString());
        json.put("replicas", replicas);
        json.put("sgemm_nd4j", nd4j);
        json.put("sgemm_heapgemm", heap);
        for (String name : b.getStringList("configs")) {
            ModelBenchmark.Result r = ModelBenchmark.run(ModelBenchmark.Shape.named(name), replicas, b.getInt("warmup"),
                    b.getInt("repetitions"), peak * replicas, c.getLong("instructgpt.seed"), engine, dtype);
            System.out.printf("%-6s %14.0f %12.4f %11.1f%% %16.0f %8.3f%n", name, r.trainTokensPerSec(), r.trainFlopsPerToken() / 1e9,
                    100 * r.peakShare(), r.generateTokensPerSec(), r.loss());
            Map<String, Object> figures = new LinkedHashMap<>(Map.of("train", r.trainTokensPerSec(), "generate",
                    r.generateTokensPerSec(), "flops_per_token", r.trainFlopsPerToken(), "loss", r.loss()));
            if (b.getBoolean("reward-model")) {
                RewardBenchmark.Result rm = RewardBenchmark.run(ModelBenchmark.Shape.named(name).config(), replicas,
                        b.getInt("warmup"), b.getInt("repetitions"), c.getLong("instructgpt.seed"), engine, dtype);
                System.out.printf("%-6s reward-model step %.1f comparisons/s (K 4, 128 random tokens), %.1f with a"
                        + " shared 32-token prompt; labeling %.1f responses/s (48 new tokens)%n", name,
                        rm.comparisonsPerSec(), rm.sharedPromptComparisonsPerSec(), rm.responsesPerSec());
                figures.put("rm", rm.comparisonsPerSec());
                figures.put("rm_prompt", rm.sharedPromptComparisonsPerSec());
                figures.put("label", rm.responsesPerSec());
            }
            json.put(name, figures);
        }
        // One machine-readable line for bench/compare.py.
        try {
            System.out.println("RESULT " + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(json));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return 0;
    }

    private static int ppo(Config c) throws Exception {
        System.err.println(Configs.render(c, "instructgpt.bench.ppo"));
        java.nio.file.Path work = java.nio.file.Files.createTempDirectory("instructgpt-bench-ppo");
        SparkSession spark = SparkSessions.open(c, "instructgpt-bench-ppo");
        PpoBenchmark.Result r;
        try {
            r = PpoBenchmark.run(spark, c, work.toUri().toString());
        } finally {
            spark.stop();
            org.apache.commons.io.FileUtils.deleteQuietly(work.toFile());
        }
        Map<String, Double> s = r.seconds();
        System.out.printf("PPO iteration (%s, %d episodes, %d partitions): %.2f s = generation %.2f + scoring %.2f + training"
                        + " %.2f + Spark %.2f (%.1f%%); rollout %.0f tok/s%n", c.getString("instructgpt.bench.ppo.config"),
                c.getInt("instructgpt.ppo.episodes-per-iteration"), r.partitions(), s.get("iteration"), s.get("generation"),
                s.get("scoring"), s.get("training"), s.get("spark"), 100 * r.sparkShare(), r.rolloutTokensPerSec());
        System.out.println("memory after each iteration, MB (this JVM: the driver and, in local mode, the executors):");
        System.out.printf("%9s %14s %10s %10s %14s %9s%n", "iteration", "heap after GC", "heap peak", "off-heap",
                "resident peak", "resident");
        for (int i = 0; i < r.memory().size(); i++) {
            Map<String, Double> m = r.memory().get(i);
            System.out.printf("%9d %14.0f %10.0f %10.0f %14.0f %9.0f%n", i + 1, m.get("heap_after_gc_mb"),
                    m.get("heap_peak_mb"), m.get("off_heap_mb"), m.get("resident_peak_mb"), m.get("resident_mb"));
        }
        Map<String, Object> json = new LinkedHashMap<>(Map.of("seconds", s, "rollout_tokens_per_sec",
                r.rolloutTokensPerSec(), "partitions", r.partitions(), "memory", r.memory()));
        System.out.println("RESULT " + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(json));
        return 0;
    }

    private static int sync(Config c) throws Exception {
        Config b = c.getConfig("instructgpt.bench.sync");
        System.err.println(Configs.render(c, "instructgpt.bench.sync"));
        SparkSession spark = SparkSessions.open(c, "instructgpt-bench-sync");
        List<SyncBenchmark.Result> results = new java.util.ArrayList<>();
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            // Executors register a few seconds after the session opens: a first job gives them time to.
            sc.parallelize(java.util.stream.IntStream.range(0, 64).boxed().toList(), 64).count();
            System.out.printf("master %s, %s, medians of %d rounds, seconds%n", sc.master(), sc.isLocal() ? "one JVM"
                    : (sc.sc().getExecutorMemoryStatus().size() - 1) + " executor JVM(s)", b.getInt("rounds"));
            System.out.printf("%12s %10s %10s %12s %10s %10s %10s %10s %10s %10s %10s %14s%n", "parameters",
                    "partitions", "broadcast", "MB to driver", "ordered", "tree", "tree-exec", "grouped", "barrier",
                    "endpoint", "ordered/s", "tree bits");
            for (long p : b.getLongList("parameters")) {
                for (int n : b.getIntList("partitions")) {
                    SyncBenchmark.Result r = SyncBenchmark.run(sc, p, n, b.getInt("warmup"), b.getInt("rounds"),
                            c.getLong("instructgpt.seed"));
                    results.add(r);
                    System.out.printf("%,12d %10d %10.3f %12.0f %10.3f %10.3f %10.3f %10.3f %10s %10s %10.2f %14s%n", p,
                            n, r.broadcastSeconds(), r.orderedDriverBytes() / 1e6, r.orderedSeconds(), r.treeSeconds(),
                            r.treeOnExecutorSeconds(), r.groupedSeconds(), seconds(r.barrierSeconds()),
                            seconds(r.endpointSeconds()),
                            r.orderedDriverBytes() / 1e9 / r.orderedSeconds(),
                            (r.treeMatchesOrdered() ? "=" : "!=") + " ordered" + (r.treeRepeatable() ? "" : ", varies"));
                }
            }
        } finally {
            spark.stop();
        }
        System.out.println("(ordered/s: GB of gradients into the driver per second; tree bits: whether treeAggregate's sum"
                + " had the ordered sum's bits, and whether it varied between rounds; grouped: groups of 4 partitions summed"
                + " in order on executors; barrier: rounds inside one barrier job, gradients exchanged by allGather"
                + (results.stream().allMatch(SyncBenchmark.Result::barrierMatchesOrdered) ? ", with the ordered sum's bits"
                : ", NOT always with the ordered sum's bits") + "; endpoint: rounds inside one job, gradients summed in"
                + " order by a socket on the driver"
                + (results.stream().allMatch(SyncBenchmark.Result::endpointMatchesOrdered) ? ", with the ordered sum's bits"
                : ", NOT always with the ordered sum's bits") + "; '-': more partitions than slots)");
        System.out.println("RESULT " + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(results));
        return 0;
    }

    /** A round's seconds, or '-' where the round needs a slot for every partition and there were fewer. */
    private static String seconds(double s) {
        return Double.isNaN(s) ? "-" : String.format("%.3f", s);
    }

    private static int trainer(Config c) {
        Config b = c.getConfig("instructgpt.bench.trainer");
        System.err.println(Configs.render(c, "instructgpt.bench.trainer"));
        GptConfig cfg = ModelBenchmark.Shape.named(b.getString("config")).config();
        int batch = b.getInt("batch-size");
        int micro = b.getInt("micro-batch");
        int warmup = b.getInt("warmup");
        int steps = b.getInt("steps");
        long seed = c.getLong("instructgpt.seed");
        System.out.printf("config %s, batch %d x %d tokens, micro-batch %d, array engine %s%n", b.getString("config"), batch,
                cfg.nPositions, micro, VectorSupport.available() ? "available" : "unavailable");
        System.out.printf("%-24s %12s %14s %12s%n", "trainer", "tok/s", "Spark share", "step s");
        TrainerBenchmark.Result plain = TrainerBenchmark.plain(cfg, batch, micro, warmup, steps, seed);
        System.out.printf("%-24s %12.0f %13s %12.2f%n", "plain, one process", plain.tokensPerSecond(), "-", plain.stepSeconds());
        SparkSession spark = SparkSessions.open(c, "instructgpt-bench");
        try {
            ExchangeSettings socket = ExchangeSettings.from(c.getConfig("instructgpt.train"));
            for (int p : b.getIntList("partitions")) {
                for (ExchangeSettings ex : List.of(socket.withMode(ExchangeSettings.Mode.JOB),
                        socket.withMode(ExchangeSettings.Mode.SOCKET))) {
                    TrainerBenchmark.Result r = TrainerBenchmark.spark(JavaSparkContext.fromSparkContext(
                            spark.sparkContext()), cfg, p, batch, micro, warmup, steps, seed, ex);
                    System.out.printf("%-24s %12.0f %13.1f%% %12.2f%n", "spark, " + p + " part., "
                            + ex.mode().name().toLowerCase(java.util.Locale.ROOT), r.tokensPerSecond(),
                            100 * r.overheadShare(), r.stepSeconds());
                }
            }
        } finally {
            spark.stop();
        }
        return 0;
    }

    private static int baseline(Config c) {
        System.err.println(Configs.render(c, "instructgpt.bench.baseline"));
        SparkSession spark = SparkSessions.open(c, "instructgpt-bench-baseline");
        TimeToLossBenchmark.Report report;
        try {
            report = TimeToLossBenchmark.run(JavaSparkContext.fromSparkContext(spark.sparkContext()), c);
        } finally {
            spark.stop();
        }
        System.out.printf("%-62s %11s %12s %16s %12s %11s%n", "trainer", "parameters", "tok/s",
                "s to loss " + report.settings().targetLoss(), "final loss", "train s");
        for (TimeToLossBenchmark.Result r : report.results()) {
            System.out.printf("%-62s %,11d %12.0f %16s %12.4f %11.1f%n", r.trainer(), r.parameters(), r.tokensPerSecond(),
                    Double.isNaN(r.secondsToTarget()) ? "not reached" : String.format("%.1f", r.secondsToTarget()),
                    r.finalLoss(), r.curve().get(r.curve().size() - 1).seconds());
        }
        System.out.println("curves: " + report.output() + "/curves.jsonl and time-to-loss.png");
        return 0;
    }
}
