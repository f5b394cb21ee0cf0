package org.instructgpt.jobs;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one entry point: {@code instructgpt <subcommand>}, locally through bin/instructgpt or on a cluster via spark-submit. */
@Command(name = "instructgpt", mixinStandardHelpOptions = true, version = "spark-instructgpt 0.1.0",
        description = "The InstructGPT recipe (SFT, reward model, PPO-ptx) as Spark jobs.",
        subcommands = {PipelineCommand.class, PrepareCommand.class, ImportCommand.class, TrainingCommands.Pretrain.class, TrainingCommands.Sft.class, GenerateCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class InstructGpt implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new InstructGpt()).execute(args));
    }
}
