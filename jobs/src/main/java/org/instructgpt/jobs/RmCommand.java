package org.instructgpt.jobs;

import org.instructgpt.rm.RmQuality;
import org.instructgpt.rm.RmStage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code instructgpt rm}: trains the reward model on ranked comparisons. */
@Command(name = "rm", mixinStandardHelpOptions = true,
        description = "Train the reward model on ranked comparisons (K-way ranking loss), then centre it on the "
                + "demonstrations. Settings: instructgpt.rm.*, instructgpt.train.*")
final class RmCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Mixin
    ResumeOption resume;

    @Override
    public Integer call() {
        resume.applyTo(config, "rm");
        return TrainingCommands.training(config.load(), "rm", (spark, c) -> {
            RmStage.Summary s = RmStage.run(spark, c);
            TrainingCommands.report("rm", s.training());
            System.err.printf("rm: bias %.4f (final), %.4f (best): demonstrations now score 0 on average%n",
                    s.finalBias(), s.bestBias());
            RmQuality.Report q = s.quality();
            System.err.printf("rm: validation accuracy %s against the labels; %s against held-out labelers (their"
                    + " agreement with the labels: %s); %s against gold (95%% intervals, %d prompts; quality.json)%n",
                    q.accuracy(), q.heldoutAccuracy(), q.labelerAgreement(), q.goldAccuracy(), q.prompts());
        });
    }
}
