package org.instructgpt.jobs;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one entry point: {@code instructgpt <subcommand>}, locally through bin/instructgpt or on a cluster via spark-submit. */
@Command(name = "instructgpt", mixinStandardHelpOptions = true, version = "spark-instructgpt 0.1.0",
        description = "The InstructGPT recipe (SFT, reward model, PPO-ptx) as Spark jobs.",
        subcommands = {PipelineCommand.class, PrepareCommand.class, ImportCommand.class, TrainingCommands.Pretrain.class, TrainingCommands.Sft.class, LabelCommand.class, RmCommand.class, SelectSftCommand.class, PpoCommand.class, EvalCommand.class, ReportCommand.class, ScoreCommand.class, GenerateCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class InstructGpt implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "print the stack trace of a failure (errors are otherwise one line)")
    boolean verbose;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with its error handling: a failure is one line and exit code 1, the stack trace with --verbose. */
    static CommandLine commandLine() {
        return new CommandLine(new InstructGpt()).setExecutionExceptionHandler(new ErrorReport());
    }
}
