package org.instructgpt.data;

import org.instructgpt.SparkTestSession;
import org.instructgpt.data.importers.Formats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes small input files and imports them with test settings. */
final class ImportFixture {
    static final Limits LIMITS = new Limits("byte-level", 200, 100, 2, 9);

    private ImportFixture() {
    }

    static Path jsonl(Path dir, String name, String... lines) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return p;
    }

    static DatasetImporter.Settings settings(String format, DatasetKind kind, double maxRejected) {
        return new DatasetImporter.Settings(Formats.of(format, kind), ChatTemplate.hh(), LIMITS,
                new SplitAssigner(0.0, 1), maxRejected);
    }

    static ImportStats run(Path input, Path output, DatasetImporter.Settings s) {
        return DatasetImporter.run(SparkTestSession.get(), List.of(input.toString()), output.toString(), s);
    }

    static List<DataRecord> train(Path output, DatasetKind kind) {
        return DatasetIO.collect(SparkTestSession.get(), kind, output.toString(), SplitAssigner.TRAIN);
    }

    static List<Reject> rejects(Path output) {
        return SparkTestSession.get().read().parquet(output.resolve("_rejected").toString()).orderBy("source_row")
                .collectAsList().stream()
                .map(r -> new Reject(r.getAs("source_file"), r.<Long>getAs("source_row"), r.getAs("field"),
                        r.getAs("reason"), r.getAs("record")))
                .toList();
    }
}
