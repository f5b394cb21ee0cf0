package org.instructgpt.jobs;

import org.instructgpt.eval.EvalStage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code instructgpt eval}: policies against a baseline on held-out prompts (gold, reward model) and held-out text. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Compare policies with a baseline on held-out prompts (same seeds), judged by the embedded world's "
                + "gold judge and/or a reward model, and their loss on held-out pre-training text; eval.json with 95%% intervals. Settings: instructgpt.eval.*")
final class EvalCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        return TrainingCommands.withSpark(config.load(), "eval", "instructgpt.eval.output",
                (spark, c) -> report(EvalStage.run(spark, c)));
    }

    static void report(EvalStage.Report r) {
        r.figures().forEach((name, f) -> System.err.printf("eval: %-8s gold %s, RM %s, words %s, EOS %s, KL to %s %s;"
                        + " hallucination %s, falsehood %s, forbidden words %s (respectful) / %s (plain)%n", name, f.gold(),
                f.rewardModel(), f.words(), f.eos(), r.klReference(), f.kl(), f.hallucination(), f.falsehood(),
                f.forbiddenRespectful(), f.forbiddenPlain()));
        java.util.Map<String, EvalStage.Versus> all = new java.util.LinkedHashMap<>();
        r.versus().forEach((name, v) -> all.put(name + " vs " + r.baseline(), v));
        all.putAll(r.alsoCompared());
        all.forEach((name, v) -> {
            if (v.gold() != null) {
                System.err.printf("eval: %s: gold %s vs %s; difference %s (trained families %s, held-out %s);"
                                + " win rate %s (%d prompts)%n", name, v.gold().policy(), v.gold().baseline(), v.gold().difference(), v.goldTrained().difference(),
                        v.goldHeldOut().difference(), v.gold().winRate(), v.gold().prompts());
            }
            if (v.rewardModel() != null) {
                System.err.printf("eval: %s: reward model %s vs %s; difference %s%n", name, v.rewardModel().policy(),
                        v.rewardModel().baseline(), v.rewardModel().difference());
            }
        });
        r.truthfulQa().forEach((name, t) -> System.err.printf("eval: %s TruthfulQA MC1 %s, MC2 %s (%d questions)%n", name,
                t.mc1(), t.mc2(), t.questions()));
        r.pretrainLoss().forEach((name, x) -> System.err.printf("eval: %s held-out pre-training loss %s%s%n", name,
                x.loss(), x.difference() == null ? "" : " (against " + r.baseline() + ": " + x.difference() + ")"));
        r.cloze().forEach((name, x) -> System.err.printf("eval: %s cloze accuracy %s on %d words%s%n", name,
                x.accuracy(), x.words(), x.difference() == null ? "" : " (against " + r.baseline() + ": " + x.difference() + ")"));
    }
}
