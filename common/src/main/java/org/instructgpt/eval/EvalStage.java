package org.instructgpt.eval;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.typesafe.config.Config;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.DatasetReader;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.io.Fs;
import org.instructgpt.world.GoldJudge;
import org.instructgpt.world.WorldReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code instructgpt eval}: a policy against a baseline (by default PPO-ptx against the selected SFT model) on held-out
 * prompts, both answering from the same seeds on the executors; judged by the embedded world's gold judge (overall, on
 * the trained and the held-out task families, and per family) and by a reward model, each as a {@link Comparison}
 * with 95% intervals, written to {@code eval.json}.
 */
public final class EvalStage {
    private static final Logger LOG = LoggerFactory.getLogger(EvalStage.class);

    private EvalStage() {
    }

    /** What eval.json holds. */
    public record Report(@JsonProperty("policy") String policy, @JsonProperty("baseline") String baseline,
                         @JsonProperty("gold") Comparison gold,
                         @JsonProperty("gold_trained_families") Comparison goldTrained,
                         @JsonProperty("gold_held_out_families") Comparison goldHeldOut,
                         @JsonProperty("gold_by_family") Map<String, Comparison> goldByFamily,
                         @JsonProperty("reward_model") Comparison rewardModel,
                         @JsonProperty("samples") List<Map<String, String>> samples) {
    }

    public static Report run(SparkSession spark, Config root) {
        Config c = root.getConfig("instructgpt.eval");
        LOG.info("{}", Configs.render(root, "instructgpt.eval"));
        long seed = root.getLong("instructgpt.seed");
        WorldReport world = WorldReport.find(c.getString("world")).orElse(null);
        GoldJudge judge = world == null ? null
                : world.goldJudge(ChatTemplate.from(root.getConfig("instructgpt.data.chat-template")));
        String rm = c.getString("reward-model").isEmpty() ? null : c.getString("reward-model");
        if (judge == null && rm == null) {
            throw new IllegalArgumentException("instructgpt.eval: no judge: set instructgpt.eval.world (the embedded"
                    + " world's gold judge) or instructgpt.eval.reward-model");
        }
        String policy = c.getString("policy");
        String baseline = c.getString("baseline");
        PolicySampleScorer scorer = new PolicySampleScorer(List.of(policy, baseline), rm,
                new SamplingConfig(c.getInt("max-new-tokens"), c.getDouble("temperature"), 0, 1.0),
                c.getInt("samples-per-prompt"), c.getInt("prompts-per-batch"), root.getInt("instructgpt.score.batch-size"),
                root.getInt("instructgpt.rm.max-length"), judge, seed);
        List<PolicySampleScorer.Prompt> prompts = prompts(spark, c);
        List<PolicySampleScorer.PromptScores> s = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(prompts, root.getInt("instructgpt.train.partitions")).mapPartitions(scorer::score).collect();
        Comparison gold = null;
        Comparison trained = null;
        Comparison heldOut = null;
        Map<String, Comparison> byFamily = new TreeMap<>();
        if (judge != null) {
            gold = compare(s, x -> true, seed);
            trained = compare(s, x -> world.trainedFamilies().contains(x.task()), seed);
            heldOut = compare(s, x -> world.heldOutFamilies().contains(x.task()), seed);
            for (String f : s.stream().map(PolicySampleScorer.PromptScores::task).filter(t -> t != null).distinct().sorted()
                    .toList()) {
                byFamily.put(f, compare(s, x -> f.equals(x.task()), seed));
            }
        }
        Comparison byRm = rm == null ? null : Comparison.of(s.stream().mapToDouble(x -> x.rm()[0]).toArray(),
                s.stream().mapToDouble(x -> x.rm()[1]).toArray(), seed);
        List<Map<String, String>> samples = new ArrayList<>();
        for (PolicySampleScorer.PromptScores x : s.subList(0, Math.min(c.getInt("samples"), s.size()))) {
            samples.add(Map.of("prompt_id", x.promptId(), "task", String.valueOf(x.task()), "policy", x.firstAnswers()[0],
                    "baseline", x.firstAnswers()[1]));
        }
        Report r = new Report(policy, baseline, gold, trained, heldOut, byFamily, byRm, samples);
        String output = c.getString("output");
        Fs.writeDirectory(new Path(output), staging -> Fs.writeJson(new Path(staging, "eval.json"), r));
        if (gold != null) {
            LOG.info("eval: {} against {} on {} prompts: gold {} vs {}, difference {}, win rate {}; trained families:"
                            + " difference {}; held-out families: difference {}", policy, baseline, gold.prompts(),
                    gold.policy(), gold.baseline(), gold.difference(), gold.winRate(), trained.difference(),
                    heldOut.difference());
        }
        return r;
    }

    private static Comparison compare(List<PolicySampleScorer.PromptScores> s,
                                      java.util.function.Predicate<PolicySampleScorer.PromptScores> which, long seed) {
        List<PolicySampleScorer.PromptScores> some = s.stream().filter(which).toList();
        return Comparison.of(some.stream().mapToDouble(x -> x.gold()[0]).toArray(),
                some.stream().mapToDouble(x -> x.gold()[1]).toArray(), seed);
    }

    private static List<PolicySampleScorer.Prompt> prompts(SparkSession spark, Config c) {
        String path = c.getString("prompts");
        String split = c.getString("split");
        DatasetReader.Checked in = DatasetReader.read(spark, DatasetKind.PROMPTS, path);
        try {
            List<PolicySampleScorer.Prompt> out = new ArrayList<>();
            for (DataRecord d : in.valid().filter(r -> split.equals(r.split())).collect()) {
                DataRecord.Prompt p = (DataRecord.Prompt) d;
                out.add(new PolicySampleScorer.Prompt(p.promptId(), p.prompt(), p.task()));
            }
            out.sort(java.util.Comparator.comparing(PolicySampleScorer.Prompt::id));
            if (out.isEmpty()) {
                throw new IllegalArgumentException("instructgpt.eval.prompts: " + path + " has no '" + split + "' prompts");
            }
            return out;
        } finally {
            in.release();
        }
    }
}
