package org.instructgpt.eval;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.typesafe.config.Config;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
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
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.ModelPool;
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
import java.util.function.Function;
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
                         @JsonProperty("reward_model") Comparison rewardModel,
                         @JsonProperty("reward_model_by_family") Map<String, Comparison> rewardModelByFamily) {
    }

    /**
     * One policy on its own, means over prompts with 95% intervals: gold and RM scores, answer length in words, and
     * the share of answers that ended with EOS (not cut at max-new-tokens), the KL to the KL reference (nats per
     * answer: the mean of log p_policy - log p_reference over the policy's samples; null without a reference), and
     * the paper's behaviours on the embedded world: hallucinations on closed-domain questions, imitative falsehoods
     * on the fact questions, forbidden words on the "one word about" prompts with and without the respectful
     * instruction (each the share of samples).
     */
    public record PolicyFigures(@JsonProperty("gold") Estimate gold, @JsonProperty("reward_model") Estimate rewardModel,
                                @JsonProperty("words") Estimate words, @JsonProperty("eos_rate") Estimate eos,
                                @JsonProperty("kl") Estimate kl,
                                @JsonProperty("hallucination_rate") Estimate hallucination,
                                @JsonProperty("falsehood_rate") Estimate falsehood,
                                @JsonProperty("forbidden_rate_respectful") Estimate forbiddenRespectful,
                                @JsonProperty("forbidden_rate_plain") Estimate forbiddenPlain) {
    }

    /**
     * What eval.json holds; {@code also_compared} holds the extra pairs of instructgpt.eval.also-compare under
     * "policy vs baseline".
     */
    public record Report(@JsonProperty("policies") Map<String, String> policies,
                         @JsonProperty("parameters") Map<String, Long> parameters,
                         @JsonProperty("baseline") String baseline, @JsonProperty("kl_reference") String klReference,
                         @JsonProperty("prompts") int prompts,
                         @JsonProperty("figures") Map<String, PolicyFigures> figures,
                         @JsonProperty("versus_baseline") Map<String, Versus> versus,
                         @JsonProperty("also_compared") Map<String, Versus> alsoCompared,
                         @JsonProperty("pretrain_loss") Map<String, HeldOutLoss.Result> pretrainLoss,
                         @JsonProperty("cloze") Map<String, ClozeAccuracy.Result> cloze,
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
        String klReference = c.getString("kl-reference");
        int kl = klReference.isEmpty() ? -1 : names.indexOf(klReference);
        if (kl < 0 && !klReference.isEmpty()) {
            throw new IllegalArgumentException("instructgpt.eval.kl-reference: '" + klReference + "' is not one of "
                    + "instructgpt.eval.policies " + names);
        }
        List<int[]> pairs = alsoCompare(c, names);
        Map<String, Long> parameters = parameters(policies);
        PolicySampleScorer scorer = new PolicySampleScorer(new ArrayList<>(policies.values()), rm,
                new SamplingConfig(c.getInt("max-new-tokens"), c.getDouble("temperature"), 0, 1.0),
                c.getInt("samples-per-prompt"), c.getInt("prompts-per-batch"), root.getInt("instructgpt.score.batch-size"),
                root.getInt("instructgpt.rm.max-length"), judge, kl, seed);
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
        Map<String, Versus> also = new LinkedHashMap<>();
        for (int[] pair : pairs) {
            also.put(names.get(pair[0]) + " vs " + names.get(pair[1]),
                    versus(s, pair[0], pair[1], world, judge != null, rm != null, seed));
        }
        Map<String, HeldOutLoss.Result> tax = new LinkedHashMap<>();
        Map<String, ClozeAccuracy.Result> cloze = new LinkedHashMap<>();
        if (!c.getString("pretrain").isEmpty()) {
            alignmentTax(spark, c, policies, baseline, partitions, seed, tax, cloze);
        }
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
        Report r = new Report(policies, parameters, baseline, kl < 0 ? null : klReference, s.size(), figures, versus,
                also, tax, cloze, tqa, samples);
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
        // The RM beside the gold judge per family shows where a policy found what the RM overrates.
        Map<String, Comparison> rmByFamily = new TreeMap<>();
        List<String> families = s.stream().map(PolicySampleScorer.PromptScores::task).filter(t -> t != null)
                .distinct().sorted().toList();
        if (gold) {
            all = compare(s, x -> true, PolicySampleScorer.PromptScores::gold, p, b, seed);
            trained = compare(s, x -> world.trainedFamilies().contains(x.task()), PolicySampleScorer.PromptScores::gold,
                    p, b, seed);
            heldOut = compare(s, x -> world.heldOutFamilies().contains(x.task()), PolicySampleScorer.PromptScores::gold,
                    p, b, seed);
            for (String f : families) {
                byFamily.put(f, compare(s, x -> f.equals(x.task()), PolicySampleScorer.PromptScores::gold, p, b, seed));
            }
        }
        Comparison byRm = null;
        if (rm) {
            byRm = compare(s, x -> true, PolicySampleScorer.PromptScores::rm, p, b, seed);
            for (String f : families) {
                rmByFamily.put(f, compare(s, x -> f.equals(x.task()), PolicySampleScorer.PromptScores::rm, p, b, seed));
            }
        }
        return new Versus(all, trained, heldOut, byFamily, byRm, rmByFamily);
    }

    private static PolicyFigures figures(List<PolicySampleScorer.PromptScores> s, int p, long seed) {
        boolean world = !s.isEmpty() && s.get(0).gold() != null;
        boolean rm = !s.isEmpty() && s.get(0).rm() != null;
        return new PolicyFigures(
                world ? Intervals.mean(s.stream().mapToDouble(x -> x.gold()[p]).toArray(), seed) : null,
                rm ? Intervals.mean(s.stream().mapToDouble(x -> x.rm()[p]).toArray(), seed + 1) : null,
                world ? Intervals.mean(s.stream().mapToDouble(x -> x.behaviour()[p].words()).toArray(), seed + 2) : null,
                Intervals.mean(s.stream().mapToDouble(x -> x.eos()[p]).toArray(), seed + 7),
                s.isEmpty() || s.get(0).kl() == null ? null
                        : Intervals.mean(s.stream().mapToDouble(x -> x.kl()[p]).toArray(), seed + 8),
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
                                      Predicate<PolicySampleScorer.PromptScores> which,
                                      Function<PolicySampleScorer.PromptScores, double[]> score, int p, int b,
                                      long seed) {
        List<PolicySampleScorer.PromptScores> some = s.stream().filter(which).toList();
        return Comparison.of(some.stream().mapToDouble(x -> score.apply(x)[p]).toArray(),
                some.stream().mapToDouble(x -> score.apply(x)[b]).toArray(), seed);
    }

    /** Held-out pre-training loss and (with instructgpt.eval.cloze) cloze accuracy of every policy, into tax and cloze. */
    private static void alignmentTax(SparkSession spark, Config c, Map<String, String> policies, String baseline,
                                     int partitions, long seed, Map<String, HeldOutLoss.Result> tax,
                                     Map<String, ClozeAccuracy.Result> cloze) {
        DatasetReader.Checked in = DatasetReader.read(spark, DatasetKind.PRETRAIN, c.getString("pretrain"));
        JavaRDD<DataRecord> heldOut = in.valid().filter(d -> SplitAssigner.VALIDATION.equals(d.split()))
                .repartition(partitions).cache();
        try {
            tax.putAll(HeldOutLoss.measure(heldOut, policies, baseline, 8, seed));
            tax.forEach((name, x) -> LOG.info("eval: {} held-out pre-training loss {} (against {}: {})", name, x.loss(),
                    baseline, x.difference() == null ? "-" : x.difference()));
            if (c.getBoolean("cloze")) {
                cloze.putAll(ClozeAccuracy.measure(heldOut, policies, baseline, seed + 17));
                cloze.forEach((name, x) -> LOG.info("eval: {} cloze accuracy {} on {} words (against {}: {})", name,
                        x.accuracy(), x.words(), baseline, x.difference() == null ? "-" : x.difference()));
            }
        } finally {
            heldOut.unpersist();
            in.release();
        }
    }

    /** instructgpt.eval.also-compare: pairs {policy, baseline} of policy names, as indices into names. */
    static List<int[]> alsoCompare(Config c, List<String> names) {
        List<int[]> out = new ArrayList<>();
        for (Config p : c.getConfigList("also-compare")) {
            int a = names.indexOf(p.getString("policy"));
            int b = names.indexOf(p.getString("baseline"));
            if (a < 0 || b < 0 || a == b) {
                throw new IllegalArgumentException("instructgpt.eval.also-compare: {policy = " + p.getString("policy")
                        + ", baseline = " + p.getString("baseline") + "} needs two different names of "
                        + "instructgpt.eval.policies " + names);
            }
            out.add(new int[]{a, b});
        }
        return out;
    }

    /** Each policy's number of parameters (read on the driver, which also proves every checkpoint is there). */
    private static Map<String, Long> parameters(Map<String, String> policies) {
        Map<String, Long> out = new LinkedHashMap<>();
        policies.forEach((name, path) -> {
            ModelCheckpoint.Loaded m;
            try {
                m = ModelPool.borrow(path);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("instructgpt.eval.policies: " + name + " = " + path
                        + " is not a readable checkpoint (did its stage run?): " + e.getMessage(), e);
            }
            out.put(name, m.model().params().flat().length());
            ModelPool.giveBack(path, m);
        });
        return out;
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
