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
import org.instructgpt.data.SplitAssigner;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.io.Fs;
import org.instructgpt.stats.Estimate;
import org.instructgpt.stats.Intervals;
import org.instructgpt.world.Families;
import org.instructgpt.world.GoldJudge;
import org.instructgpt.world.WorldReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * {@code instructgpt eval}: policies (by default SFT, PPO-ptx and PPO without ptx) on held-out prompts, every one
 * answering from the same seeds on the executors, each compared with a baseline (the selected SFT model) by the
 * embedded world's gold judge (overall, on the trained and the held-out task families, and per family) and by a
 * reward model; the alignment tax: each one's loss on held-out pre-training text; TruthfulQA's multiple choice
 * ({@link TruthfulQa}). Each as an estimate with its
 * 95% interval, written to {@code eval.json}.
 */
public final class EvalStage {
    private static final Logger LOG = LoggerFactory.getLogger(EvalStage.class);

    private EvalStage() {
    }

    /** One policy against the baseline (gold parts null off the embedded world, RM null without a reward model). */
    public record Versus(@JsonProperty("gold") Comparison gold,
                         @JsonProperty("gold_trained_families") Comparison goldTrained,
                         @JsonProperty("gold_held_out_families") Comparison goldHeldOut,
                         @JsonProperty("gold_by_family") Map<String, Comparison> goldByFamily,
                         @JsonProperty("reward_model") Comparison rewardModel) {
    }

    /**
     * One policy on its own, means over prompts with 95% intervals: gold and RM scores, answer length in words, and
     * the paper's behaviours on the embedded world: hallucinations on closed-domain questions, imitative falsehoods
     * on the fact questions, forbidden words on the "one word about" prompts with and without the respectful
     * instruction (each the share of samples).
     */
    public record PolicyFigures(@JsonProperty("gold") Estimate gold, @JsonProperty("reward_model") Estimate rewardModel,
                                @JsonProperty("words") Estimate words,
                                @JsonProperty("hallucination_rate") Estimate hallucination,
                                @JsonProperty("falsehood_rate") Estimate falsehood,
                                @JsonProperty("forbidden_rate_respectful") Estimate forbiddenRespectful,
                                @JsonProperty("forbidden_rate_plain") Estimate forbiddenPlain) {
    }

    /** What eval.json holds. */
    public record Report(@JsonProperty("policies") Map<String, String> policies,
                         @JsonProperty("baseline") String baseline, @JsonProperty("prompts") int prompts,
                         @JsonProperty("figures") Map<String, PolicyFigures> figures,
                         @JsonProperty("versus_baseline") Map<String, Versus> versus,
                         @JsonProperty("pretrain_loss") Map<String, HeldOutLoss.Result> pretrainLoss,
                         @JsonProperty("truthfulqa") Map<String, TruthfulQa.Result> truthfulQa,
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
        Map<String, String> policies = policies(c);
        String baseline = c.getString("baseline");
        List<String> names = new ArrayList<>(policies.keySet());
        int b = names.indexOf(baseline);
        if (b < 0) {
            throw new IllegalArgumentException("instructgpt.eval.baseline: '" + baseline + "' is not one of "
                    + "instructgpt.eval.policies " + names);
        }
        PolicySampleScorer scorer = new PolicySampleScorer(new ArrayList<>(policies.values()), rm,
                new SamplingConfig(c.getInt("max-new-tokens"), c.getDouble("temperature"), 0, 1.0),
                c.getInt("samples-per-prompt"), c.getInt("prompts-per-batch"), root.getInt("instructgpt.score.batch-size"),
                root.getInt("instructgpt.rm.max-length"), judge, seed);
        List<PolicySampleScorer.Prompt> prompts = prompts(spark, c);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int partitions = root.getInt("instructgpt.train.partitions");
        List<PolicySampleScorer.PromptScores> s = jsc.parallelize(prompts, partitions).mapPartitions(scorer::score)
                .collect();
        Map<String, PolicyFigures> figures = new LinkedHashMap<>();
        for (int p = 0; p < names.size(); p++) {
            figures.put(names.get(p), figures(s, p, seed));
        }
        Map<String, Versus> versus = new LinkedHashMap<>();
        for (int p = 0; p < names.size(); p++) {
            if (p != b) {
                versus.put(names.get(p), versus(s, p, b, world, judge != null, rm != null, seed));
            }
        }
        Map<String, HeldOutLoss.Result> tax = c.getString("pretrain").isEmpty() ? Map.of()
                : pretrainLoss(spark, c.getString("pretrain"), policies, baseline, partitions, seed);
        Map<String, TruthfulQa.Result> tqa = c.getInt("truthfulqa.max-questions") == 0 ? Map.of()
                : TruthfulQa.run(jsc, policies, ChatTemplate.from(root.getConfig("instructgpt.data.chat-template")),
                c.getInt("truthfulqa.max-questions"), partitions, seed);
        List<Map<String, String>> samples = new ArrayList<>();
        for (PolicySampleScorer.PromptScores x : spread(s, c.getInt("samples"))) {
            Map<String, String> row = new LinkedHashMap<>();
            row.put("prompt_id", x.promptId());
            row.put("task", String.valueOf(x.task()));
            for (int p = 0; p < names.size(); p++) {
                row.put(names.get(p), x.firstAnswers()[p]);
            }
            samples.add(row);
        }
        Report r = new Report(policies, baseline, s.size(), figures, versus, tax, tqa, samples);
        Fs.writeDirectory(new Path(c.getString("output")), staging -> Fs.writeJson(new Path(staging, "eval.json"), r));
        versus.forEach((name, v) -> LOG.info("eval: {} against {} on {} prompts: gold difference {}, trained families {},"
                        + " held-out families {}; RM difference {}", name, baseline, s.size(),
                v.gold() == null ? "n/a" : v.gold().difference(), v.goldTrained() == null ? "n/a" : v.goldTrained().difference(),
                v.goldHeldOut() == null ? "n/a" : v.goldHeldOut().difference(),
                v.rewardModel() == null ? "n/a" : v.rewardModel().difference()));
        return r;
    }

    /** Up to n prompts, taking each task family's first prompts in turn, so every family shows. */
    static List<PolicySampleScorer.PromptScores> spread(List<PolicySampleScorer.PromptScores> s, int n) {
        Map<String, List<PolicySampleScorer.PromptScores>> byTask = new TreeMap<>();
        for (PolicySampleScorer.PromptScores x : s) {
            byTask.computeIfAbsent(String.valueOf(x.task()), k -> new ArrayList<>()).add(x);
        }
        List<PolicySampleScorer.PromptScores> out = new ArrayList<>();
        for (int round = 0; out.size() < Math.min(n, s.size()); round++) {
            for (List<PolicySampleScorer.PromptScores> xs : byTask.values()) {
                if (round < xs.size() && out.size() < n) {
                    out.add(xs.get(round));
                }
            }
        }
        return out;
    }

    /** instructgpt.eval.policies: a list of {name, path}, names unique, in the order given. */
    static Map<String, String> policies(Config c) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Config p : c.getConfigList("policies")) {
            if (out.put(p.getString("name"), p.getString("path")) != null) {
                throw new IllegalArgumentException("instructgpt.eval.policies: the name '" + p.getString("name")
                        + "' is given twice");
            }
        }
        if (out.size() < 2) {
            throw new IllegalArgumentException("instructgpt.eval.policies: need a baseline and at least one policy,"
                    + " got " + out.keySet());
        }
        return out;
    }

    private static Versus versus(List<PolicySampleScorer.PromptScores> s, int p, int b, WorldReport world,
                                 boolean gold, boolean rm, long seed) {
        Comparison all = null;
        Comparison trained = null;
        Comparison heldOut = null;
        Map<String, Comparison> byFamily = new TreeMap<>();
        if (gold) {
            all = compare(s, x -> true, p, b, seed);
            trained = compare(s, x -> world.trainedFamilies().contains(x.task()), p, b, seed);
            heldOut = compare(s, x -> world.heldOutFamilies().contains(x.task()), p, b, seed);
            for (String f : s.stream().map(PolicySampleScorer.PromptScores::task).filter(t -> t != null).distinct()
                    .sorted().toList()) {
                byFamily.put(f, compare(s, x -> f.equals(x.task()), p, b, seed));
            }
        }
        Comparison byRm = rm ? Comparison.of(s.stream().mapToDouble(x -> x.rm()[p]).toArray(),
                s.stream().mapToDouble(x -> x.rm()[b]).toArray(), seed) : null;
        return new Versus(all, trained, heldOut, byFamily, byRm);
    }

    private static PolicyFigures figures(List<PolicySampleScorer.PromptScores> s, int p, long seed) {
        boolean world = !s.isEmpty() && s.get(0).gold() != null;
        boolean rm = !s.isEmpty() && s.get(0).rm() != null;
        return new PolicyFigures(
                world ? Intervals.mean(s.stream().mapToDouble(x -> x.gold()[p]).toArray(), seed) : null,
                rm ? Intervals.mean(s.stream().mapToDouble(x -> x.rm()[p]).toArray(), seed + 1) : null,
                world ? Intervals.mean(s.stream().mapToDouble(x -> x.behaviour()[p].words()).toArray(), seed + 2) : null,
                world ? rate(s, x -> Families.CLOSED_DOMAIN.equals(x.task()), p, PolicySampleScorer.Behaviour::hallucination, seed + 3) : null,
                world ? rate(s, x -> Families.FACTS.equals(x.task()), p, PolicySampleScorer.Behaviour::falsehood, seed + 4) : null,
                world ? rate(s, x -> Families.DESCRIBE.equals(x.task()) && x.respectful(), p, PolicySampleScorer.Behaviour::forbidden, seed + 5) : null,
                world ? rate(s, x -> Families.DESCRIBE.equals(x.task()) && !x.respectful(), p, PolicySampleScorer.Behaviour::forbidden, seed + 6) : null);
    }

    /** The mean over the chosen prompts of one behaviour's share of a policy's samples. */
    private static Estimate rate(List<PolicySampleScorer.PromptScores> s, Predicate<PolicySampleScorer.PromptScores> which,
                                 int p, java.util.function.ToDoubleFunction<PolicySampleScorer.Behaviour> behaviour,
                                 long seed) {
        return Intervals.mean(s.stream().filter(which).mapToDouble(x -> behaviour.applyAsDouble(x.behaviour()[p]))
                .toArray(), seed);
    }

    private static Comparison compare(List<PolicySampleScorer.PromptScores> s,
                                      Predicate<PolicySampleScorer.PromptScores> which, int p, int b, long seed) {
        List<PolicySampleScorer.PromptScores> some = s.stream().filter(which).toList();
        return Comparison.of(some.stream().mapToDouble(x -> x.gold()[p]).toArray(),
                some.stream().mapToDouble(x -> x.gold()[b]).toArray(), seed);
    }

    private static Map<String, HeldOutLoss.Result> pretrainLoss(SparkSession spark, String path,
                                                                Map<String, String> policies, String baseline,
                                                                int partitions, long seed) {
        DatasetReader.Checked in = DatasetReader.read(spark, DatasetKind.PRETRAIN, path);
        try {
            Map<String, HeldOutLoss.Result> r = HeldOutLoss.measure(
                    in.valid().filter(d -> SplitAssigner.VALIDATION.equals(d.split())).repartition(partitions),
                    policies, baseline, 8, seed);
            r.forEach((name, x) -> LOG.info("eval: {} held-out pre-training loss {} (against {}: {})", name, x.loss(),
                    baseline, x.difference() == null ? "-" : x.difference()));
            return r;
        } finally {
            in.release();
        }
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
