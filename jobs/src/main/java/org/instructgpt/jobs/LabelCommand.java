package org.instructgpt.jobs;

import org.instructgpt.label.LabelStage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code instructgpt label}: the policy's own samples, ranked by the embedded world's labelers. */
@Command(name = "label", mixinStandardHelpOptions = true,
        description = "Sample K responses per RM prompt from a policy on the executors and have the embedded world's "
                + "simulated labelers rank them into a comparisons dataset. Settings: instructgpt.label.*")
final class LabelCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        return TrainingCommands.withSpark(config.load(), "label", "instructgpt.label.output", (spark, c) -> {
            LabelStage.Summary s = LabelStage.run(spark, c);
            System.err.printf("label: %d comparisons written to %s; skipped %s%n", s.labeled(), s.output(), s.skipped());
        });
    }
}
