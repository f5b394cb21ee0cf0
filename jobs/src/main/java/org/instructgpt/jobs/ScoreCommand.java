package org.instructgpt.jobs;

import org.instructgpt.rm.ScoreStage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code instructgpt score}: a reward model's scores of a prompt/response dataset. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score a prompt/response dataset (prompt, completion) with a reward model on the executors, into "
                + "Parquet with a score column. Settings: instructgpt.score.*")
final class ScoreCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        return TrainingCommands.withSpark(config.load(), "score", "instructgpt.score.output", (spark, c) -> {
            ScoreStage.Summary s = ScoreStage.run(spark, c);
            System.err.printf("score: %d rows, mean score %.4f, written to %s%n", s.rows(), s.meanScore(), s.output());
        });
    }
}
