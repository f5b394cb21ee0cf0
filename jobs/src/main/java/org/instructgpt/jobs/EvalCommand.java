package org.instructgpt.jobs;

import org.instructgpt.eval.EvalStage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code instructgpt eval}: a policy against a baseline on held-out prompts, judged by gold and the reward model. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Compare a policy with a baseline on held-out prompts (same seeds), judged by the embedded world's "
                + "gold judge and/or a reward model; eval.json with 95% intervals. Settings: instructgpt.eval.*")
final class EvalCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        return TrainingCommands.withSpark(config.load(), "eval", (spark, c) -> {
            EvalStage.Report r = EvalStage.run(spark, c);
            if (r.gold() != null) {
                System.err.printf("eval: gold %s (policy) vs %s (baseline); difference %s; win rate %s (%d prompts)%n",
                        r.gold().policy(), r.gold().baseline(), r.gold().difference(), r.gold().winRate(),
                        r.gold().prompts());
            }
            if (r.rewardModel() != null) {
                System.err.printf("eval: reward model %s vs %s; difference %s%n", r.rewardModel().policy(),
                        r.rewardModel().baseline(), r.rewardModel().difference());
            }
        });
    }
}
