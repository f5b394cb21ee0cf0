package org.instructgpt.jobs;

import org.instructgpt.ppo.PpoLoop;
import org.instructgpt.ppo.PpoStage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code instructgpt ppo}: PPO-ptx from the selected SFT model against the reward model. */
@Command(name = "ppo", mixinStandardHelpOptions = true,
        description = "Optimise the policy against the reward model with PPO, a per-token KL penalty to the SFT model and "
                + "pre-training gradients mixed in (PPO-ptx; instructgpt.ppo.ptx.coef = 0 for plain PPO). "
                + "Settings: instructgpt.ppo.*")
final class PpoCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Mixin
    ResumeOption resume;

    @Override
    public Integer call() {
        resume.applyTo(config, "ppo");
        return TrainingCommands.training(config.load(), "ppo", (spark, c) -> report(PpoStage.run(spark, c),
                c.getString("instructgpt.ppo.output")));
    }

    static void report(PpoLoop.Summary s, String output) {
        // A resumed run with no iteration left to take has no share to tell.
        String spark = Double.isNaN(s.sparkShare()) ? ""
                : String.format("; Spark overhead %.1f%% of an iteration", 100 * s.sparkShare());
        System.err.printf("ppo: %d iterations; mean RM score %.4f -> %.4f, KL to the reference %.4f; %s/final (EMA)%s%n",
                s.iterations(), s.firstScore(), s.lastScore(), s.lastKl(), output, spark);
    }
}
