package org.instructgpt.jobs;

import com.typesafe.config.Config;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.io.CompletionMarker;
import org.instructgpt.sft.SftStage;
import org.instructgpt.spark.SparkSessions;
import org.instructgpt.pretrain.PretrainStage;
import org.instructgpt.train.TrainingLoop;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/** The training stages as subcommands: thin wrappers that open Spark and call the stage. */
final class TrainingCommands {
    private TrainingCommands() {
    }

    static int run(ConfigOptions config, ResumeOption resume, String stage,
                   BiFunction<SparkSession, Config, TrainingLoop.Summary> body) {
        resume.applyTo(config, stage);
        return training(config.load(), stage, (spark, c) -> report(stage, body.apply(spark, c)));
    }

    /**
     * As {@link #withSpark} for a stage that trains into {@code instructgpt.<stage>.output} in place: a resumed run adds
     * checkpoints to it, so its completion marker is removed first and written again only when the run returns.
     */
    static int training(Config c, String stage, BiConsumer<SparkSession, Config> body) {
        String outputKey = "instructgpt." + stage + ".output";
        CompletionMarker.clear(c.getString(outputKey));
        return withSpark(c, stage, outputKey, body);
    }

    /**
     * Opens Spark for a stage's command, runs it, and stops Spark whatever happened; when it returned, writes the
     * completion marker ({@code _SUCCESS}) into the output named by the setting {@code outputKey}, as the pipeline does,
     * for whatever waits on it. Exit code 0.
     */
    static int withSpark(Config c, String stage, String outputKey, BiConsumer<SparkSession, Config> body) {
        SparkSession spark = SparkSessions.open(c, "instructgpt-" + stage);
        try {
            body.accept(spark, c);
        } finally {
            spark.stop();
        }
        CompletionMarker.mark(c.getString(outputKey));
        return 0;
    }

    static void report(String stage, TrainingLoop.Summary s) {
        System.err.printf("%s: %d steps, final training loss %.4f, best validation loss %.4f, median %.0f %s/s,"
                        + " Spark overhead %.1f%% of a step%n", stage, s.steps(), s.finalLoss(), s.bestValidationLoss(),
                s.medianTokensPerSecond(), s.unit(), 100 * s.medianOverheadShare());
    }

    @Command(name = "pretrain", mixinStandardHelpOptions = true,
            description = "Pre-train a base model on a pretrain dataset. Settings: instructgpt.pretrain.*, instructgpt.train.*")
    static final class Pretrain implements Callable<Integer> {
        @Mixin
        ConfigOptions config;

        @Mixin
        ResumeOption resume;

        @Override
        public Integer call() {
            return run(config, resume, "pretrain", PretrainStage::run);
        }
    }

    @Command(name = "sft", mixinStandardHelpOptions = true,
            description = "Supervised fine-tuning on demonstrations. Settings: instructgpt.sft.*, instructgpt.train.*")
    static final class Sft implements Callable<Integer> {
        @Mixin
        ConfigOptions config;

        @Mixin
        ResumeOption resume;

        @Override
        public Integer call() {
            return run(config, resume, "sft", SftStage::run);
        }
    }
}
