package org.instructgpt.jobs;

import org.instructgpt.sft.SftSelectionStage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code instructgpt select-sft}: the SFT epoch the reward model prefers, as the paper chooses it. */
@Command(name = "select-sft", mixinStandardHelpOptions = true,
        description = "Sample every kept SFT epoch on validation prompts, score the samples with the reward model and "
                + "keep the epoch with the highest mean score as <output>/selected. Settings: instructgpt.sft-select.*")
final class SelectSftCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        return TrainingCommands.withSpark(config.load(), "select-sft", "instructgpt.sft-select.output",
                (spark, c) -> report(SftSelectionStage.run(spark, c)));
    }

    static void report(SftSelectionStage.Selection s) {
        for (SftSelectionStage.Candidate x : s.candidates()) {
            System.err.printf("select-sft: %-10s validation loss %s  RM score %s  gold %s%n", x.name(),
                    x.validationLoss() == null ? "n/a" : String.format("%.4f", x.validationLoss()), x.rmScore(),
                    x.goldScore());
        }
        System.err.printf("select-sft: %s selected (%d prompts x %d samples), written to %s/selected%n", s.selected(),
                s.prompts(), s.samplesPerPrompt(), s.output());
    }
}
