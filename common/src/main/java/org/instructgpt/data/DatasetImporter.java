package org.instructgpt.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.instructgpt.data.importers.FieldException;
import org.instructgpt.data.importers.RecordFormat;
import org.instructgpt.io.Fs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Imports user data into one of the datasets: reads the input files, parses each record with the format, checks
 * every row with the {@link RecordValidator}, removes duplicated prompts (the first in input order stays), assigns
 * splits, and writes {@code <output>/} (Parquet partitioned by split), {@code <output>/_rejected/} (every rejected
 * row with its source file, row, field and reason) and {@code <output>/_stats.json}. If more than the allowed
 * fraction of rows is rejected, the dataset is not written and a {@link DataQualityException} says why. Rows over the
 * token limits are valid (counted in the stats, kept). Everything is written beside the output first and moved into
 * place when complete: a previous dataset survives a failed import, and an output overlapping an input is refused.
 */
public final class DatasetImporter {
    private static final Logger LOG = LoggerFactory.getLogger(DatasetImporter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How to import: the format, the template for conversations, the rules, the split and the reject limit. */
    public record Settings(RecordFormat format, ChatTemplate template, Limits limits, SplitAssigner splits,
                           double maxRejectedFraction) implements Serializable {
    }

    private DatasetImporter() {
    }

    public static ImportStats run(SparkSession spark, List<String> inputs, String output, Settings s) {
        Path target = new Path(output);
        for (String in : inputs) {
            // Globs are compared by the directory they start in.
            String base = in.contains("*") || in.contains("?") || in.contains("[") ? new Path(in).getParent().toString() : in;
            if (Fs.overlaps(new Path(base), target)) {
                throw new IllegalArgumentException("the output " + output + " overlaps the input " + in
                        + ": write the dataset somewhere else");
            }
        }
        List<String> files = InputFiles.list(inputs);
        // Everything is written aside first; the previous output is replaced only once the new one is complete.
        Path out = Fs.stagingSibling(target);
        RecordValidator validator = new RecordValidator(s.limits());
        JavaRDD<SourceRecord> src = SourceReader.read(spark, files).persist(StorageLevel.MEMORY_AND_DISK());
        JavaRDD<Outcome> parsed = src.flatMap(r -> parse(r, s, validator).iterator());
        JavaRDD<Outcome> outcomes = withoutDuplicatePrompts(parsed)
                .map(o -> o.isValid() ? o.withRecord(o.record().withSplit(s.splits().assign(o.record()))) : o)
                .persist(StorageLevel.MEMORY_AND_DISK());

        Map<String, Long> counts = new TreeMap<>(outcomes
                .map(o -> o.isValid() ? "valid\t" + o.record().split() : "rejected\t" + o.reject().rule())
                .countByValue());
        Map<String, Long> splits = new TreeMap<>();
        Map<String, Long> rules = new TreeMap<>();
        long valid = 0;
        long rejected = 0;
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            String[] kv = e.getKey().split("\t", 2);
            if (kv[0].equals("valid")) {
                splits.put(kv[1], e.getValue());
                valid += e.getValue();
            } else {
                rules.put(kv[1], e.getValue());
                rejected += e.getValue();
            }
        }
        long rows = valid + rejected;
        Map<String, Long> overLength = new TreeMap<>(outcomes.filter(Outcome::isValid)
                .map(o -> validator.overLength(o.record()))
                .filter(java.util.Objects::nonNull)
                .map(p -> p.reason().substring(0, p.reason().indexOf(':')))
                .countByValue());
        ImportStats stats = new ImportStats(s.format().kind().id(), s.format().name(), files, src.count(), rows, valid,
                rejected, rows == 0 ? 0 : (double) rejected / rows, rules, splits, overLength);

        boolean tooMany = stats.rejectedFraction() > s.maxRejectedFraction();
        if (!tooMany) {
            JavaRDD<DataRecord> good = outcomes.filter(Outcome::isValid)
                    .sortBy(Outcome::position, true, Math.max(1, outcomes.getNumPartitions()))
                    .map(Outcome::record);
            DatasetIO.write(spark, good, s.format().kind(), out.toString());
        }
        JavaRDD<Reject> bad = outcomes.filter(o -> !o.isValid()).sortBy(Outcome::position, true, 1).map(Outcome::reject);
        DatasetIO.writeRejects(spark, bad, new Path(out, "_rejected").toString());
        stats.write(new Path(out, "_stats.json"));
        src.unpersist();
        outcomes.unpersist();
        LOG.info("imported {}", stats.summary());
        boolean failed = rows == 0 || tooMany;
        // A failed import leaves a previous dataset alone; its rejects and counts go beside it.
        Path at = failed && exists(target) ? new Path(target.getParent(), target.getName() + "._failed") : target;
        try {
            Fs.replaceDirectory(Fs.of(at), out, at);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the import into place at " + at + ": " + e.getMessage(), e);
        }
        if (rows == 0) {
            throw new DataQualityException("no rows in " + files + " (format " + s.format().name() + ")");
        }
        if (tooMany) {
            throw new DataQualityException(String.format("%d of %d rows (%.1f%%) were rejected, more than the allowed %.1f%%;"
                            + " by rule: %s. The dataset was not written%s; see %s/_rejected/ and %s/_stats.json", rejected,
                    rows, 100 * stats.rejectedFraction(), 100 * s.maxRejectedFraction(), rules,
                    at.equals(target) ? "" : " (the previous " + output + " is unchanged)", at, at));
        }
        return stats;
    }

    /** One source record's rows: parsed, then validated; a record that cannot be read is one reject. */
    static List<Outcome> parse(SourceRecord src, Settings s, RecordValidator validator) {
        List<Outcome> out = new ArrayList<>();
        JsonNode node;
        try {
            node = JSON.readTree(src.json());
        } catch (JsonProcessingException e) {
            out.add(Outcome.rejected(src, 0, Reject.of(src, null, "invalid JSON: " + e.getOriginalMessage())));
            return out;
        }
        if (node == null || !node.isObject()) {
            out.add(Outcome.rejected(src, 0, Reject.of(src, null, "invalid JSON: not an object")));
            return out;
        }
        List<? extends DataRecord> records;
        try {
            records = s.format().parse(node, s.template());
        } catch (FieldException e) {
            out.add(Outcome.rejected(src, 0, Reject.of(src, e.field(), e.getMessage())));
            return out;
        }
        for (int i = 0; i < records.size(); i++) {
            DataRecord r = records.get(i);
            RecordValidator.Problem p = validator.check(r);
            out.add(p == null ? Outcome.valid(src, i, r) : Outcome.rejected(src, i, Reject.of(src, p.field(), p.reason())));
        }
        return out;
    }

    /** Keeps the first row (in input order) of every prompt; later ones become "duplicate prompt" rejects. */
    static JavaRDD<Outcome> withoutDuplicatePrompts(JavaRDD<Outcome> outcomes) {
        JavaPairRDD<String, Outcome> byPrompt = outcomes.filter(Outcome::isValid)
                .mapToPair(o -> new Tuple2<>(normalize(o.record().key()), o));
        JavaPairRDD<String, Outcome> first = byPrompt
                .reduceByKey((a, b) -> a.position().compareTo(b.position()) <= 0 ? a : b);
        JavaRDD<Outcome> judged = byPrompt.join(first).values().map(pair -> {
            Outcome o = pair._1();
            SourceRecord f = pair._2().source();
            if (o.position().equals(pair._2().position())) {
                return o;
            }
            return o.rejectedBecause(o.record().kind() == DatasetKind.PRETRAIN ? "text" : "prompt",
                    "duplicate prompt: the same as " + f.file() + " row " + f.row());
        });
        return outcomes.filter(o -> !o.isValid()).union(judged);
    }

    /** Prompts that differ only in surrounding or repeated whitespace are the same prompt. */
    static String normalize(String s) {
        return s.strip().replaceAll("\\s+", " ");
    }

    private static boolean exists(Path p) {
        try {
            return Fs.of(p).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check " + p + ": " + e.getMessage(), e);
        }
    }
}
