package org.instructgpt.jobs;

import com.typesafe.config.Config;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.DatasetImporter;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.ImportStats;
import org.instructgpt.data.Limits;
import org.instructgpt.data.SplitAssigner;
import org.instructgpt.data.importers.Formats;
import org.instructgpt.io.CompletionMarker;
import org.instructgpt.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** Imports JSONL or Parquet in a known format into one of the pipeline's datasets, with validation and rejects. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import user data (TRL, HH, OpenAssistant, self-instruct or our own columns) into a dataset."
                + " Settings: instructgpt.data.*")
public final class ImportCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Option(names = "--format", required = true,
            description = "native, prompt-completion, preference, hh, oasst or self-instruct")
    String format;

    @Option(names = "--kind", description = "pretrain, demonstrations, comparisons or prompts (needed for native and oasst)")
    String kind;

    @Option(names = {"-i", "--input"}, required = true, description = "input file, directory or glob (repeatable)")
    List<String> inputs;

    @Option(names = {"-o", "--output"}, required = true, description = "output dataset directory (any Hadoop path)")
    String output;

    @Override
    public Integer call() {
        Config c = config.load();
        Config d = c.getConfig("instructgpt.data");
        System.err.println(Configs.render(c, "instructgpt.data"));
        DatasetImporter.Settings s = new DatasetImporter.Settings(
                Formats.of(format, kind == null ? null : DatasetKind.of(kind)),
                ChatTemplate.from(d.getConfig("chat-template")), Limits.from(d),
                new SplitAssigner(d.getDouble("validation-fraction"), c.getLong("instructgpt.seed")),
                d.getDouble("max-rejected-fraction"));
        SparkSession spark = SparkSessions.open(c, "instructgpt-import");
        try {
            ImportStats stats = DatasetImporter.run(spark, inputs, output, s);
            System.err.println("imported " + stats.summary() + " -> " + output);
        } finally {
            spark.stop();
        }
        CompletionMarker.mark(output);
        return 0;
    }
}
