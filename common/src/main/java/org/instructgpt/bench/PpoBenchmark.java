package org.instructgpt.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetIO;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.io.Fs;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.model.EngineKind;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.ppo.PpoStage;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A whole PPO-ptx iteration on this machine, as the stage runs it (Spark, the partitions, broadcasts, the rollout map,
 * the data-parallel steps): the four models of a config (random weights, the byte-level vocabulary), prompts of a
 * fixed length, the stage's defaults for batch, lengths and epochs; the median over iterations after warm-up of the
 * wall time and its split into generation, scoring, training and Spark's share. bench/torch_ppo_reference.py runs
 * the same iteration in PyTorch.
 */
public final class PpoBenchmark {
    private PpoBenchmark() {
    }

    /** Median seconds per iteration of each part; generation and scoring are wall time (summed over partitions / partitions). */
    public record Result(Map<String, Double> seconds, double rolloutTokensPerSec, int partitions,
                         List<Map<String, Double>> memory) {
        public double sparkShare() {
            return seconds.get("spark") / seconds.get("iteration");
        }
    }

    /**
     * @param settings instructgpt.bench.ppo: config, prompt-tokens, warmup, iterations; the stage's own settings come
     *                 from instructgpt.ppo (episodes, rollout batch, max new tokens, epochs, minibatch, ptx)
     */
    public static Result run(SparkSession spark, Config root, String workDir) throws Exception {
        Config b = root.getConfig("instructgpt.bench.ppo");
        GptConfig cfg = ModelBenchmark.Shape.named(b.getString("config")).config();
        cfg = GptConfig.of(ByteLevelTokenizer.VOCAB, cfg.nPositions, cfg.nEmbd, cfg.nLayer, cfg.nHead);
        long seed = root.getLong("instructgpt.seed");
        EngineKind engine = EngineKind.parse(root.getString("instructgpt.train.engine"));
        Path dir = new Path(workDir);
        Gpt2Model policy = Gpt2Model.create(cfg, DataType.FLOAT, false, engine);
        policy.initialize(seed);
        ModelCheckpoint.save(Fs.of(dir), new Path(dir, "policy"), policy, new ByteLevelTokenizer(), null, null);
        Gpt2Model rm = Gpt2Model.create(cfg.asScalarModel(), DataType.FLOAT, true, engine);
        rm.initialize(seed + 1);
        rm.initializeScoreHead(seed + 2);
        ModelCheckpoint.save(Fs.of(dir), new Path(dir, "rm"), rm, new ByteLevelTokenizer(), null, null);
        SplittableRandom rng = new SplittableRandom(seed);
        int promptTokens = b.getInt("prompt-tokens");
        List<DataRecord.Prompt> prompts = new ArrayList<>();
        List<DataRecord.Document> docs = new ArrayList<>();
        for (int i = 0; i < 512; i++) {
            prompts.add(new DataRecord.Prompt("p" + i, letters(rng, promptTokens), "u" + i, null, "train"));
            docs.add(new DataRecord.Document("d" + i, letters(rng, 300), "train"));
        }
        DatasetIO.write(spark, prompts, DatasetKind.PROMPTS, new Path(dir, "prompts").toString());
        DatasetIO.write(spark, docs, DatasetKind.PRETRAIN, new Path(dir, "pretrain").toString());
        int warmup = b.getInt("warmup");
        int iterations = b.getInt("iterations");
        Config run = ConfigFactory.parseMap(Map.of(
                        "instructgpt.ppo.policy", new Path(dir, "policy").toString(),
                        // The defaults name the reference by the policy's path, resolved before this override.
                        "instructgpt.ppo.reference", new Path(dir, "policy").toString(),
                        "instructgpt.ppo.reward-model", new Path(dir, "rm").toString(),
                        "instructgpt.ppo.value-model", new Path(dir, "rm").toString(),
                        "instructgpt.ppo.prompts", new Path(dir, "prompts").toString(),
                        "instructgpt.ppo.pretrain", new Path(dir, "pretrain").toString(),
                        "instructgpt.ppo.world", "",
                        "instructgpt.ppo.output", new Path(dir, "ppo").toString(),
                        "instructgpt.ppo.iterations", warmup + iterations,
                        "instructgpt.ppo.samples-every", 0))
                .withValue("instructgpt.ppo.checkpoint-every", ConfigValueFactory.fromAnyRef(warmup + iterations))
                .withFallback(root);
        PpoStage.run(spark, run);
        List<JsonNode> records = new ArrayList<>();
        Path metrics = new Path(new Path(dir, "ppo"), "metrics.jsonl");
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Fs.of(metrics).open(metrics),
                StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                JsonNode n = json.readTree(line);
                if ("ppo".equals(n.path("kind").asText())) {
                    records.add(n);
                }
            }
        }
        List<JsonNode> timed = records.subList(Math.min(warmup, records.size()), records.size());
        int partitions = run.getInt("instructgpt.train.partitions");
        Map<String, Double> seconds = new LinkedHashMap<>();
        seconds.put("iteration", median(timed, n -> n.get("time/iteration").asDouble()));
        // Generation and scoring are summed over the partitions' tasks, which run side by side.
        seconds.put("generation", median(timed, n -> n.get("time/generation").asDouble() / partitions));
        seconds.put("scoring", median(timed, n -> n.get("time/scoring").asDouble() / partitions));
        seconds.put("training", median(timed, n -> n.get("time/training").asDouble() - n.get("time/spark_overhead").asDouble()));
        seconds.put("spark", median(timed, n -> n.get("time/spark").asDouble()));
        double tokens = median(timed, n -> n.get("response_length").asDouble())
                * run.getInt("instructgpt.ppo.episodes-per-iteration");
        List<Map<String, Double>> memory = new java.util.ArrayList<>();
        for (JsonNode n : records) {
            Map<String, Double> mb = new LinkedHashMap<>();
            n.fieldNames().forEachRemaining(f -> {
                if (f.startsWith("memory/")) {
                    mb.put(f.substring("memory/".length()), n.get(f).asDouble());
                }
            });
            memory.add(mb);
        }
        return new Result(seconds, tokens / (seconds.get("generation") + seconds.get("scoring")), partitions, memory);
    }

    private static String letters(SplittableRandom rng, int n) {
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            s.append((char) ('a' + rng.nextInt(26)));
        }
        return s.toString();
    }

    private static double median(List<JsonNode> xs, java.util.function.ToDoubleFunction<JsonNode> f) {
        double[] v = xs.stream().mapToDouble(f).sorted().toArray();
        return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
