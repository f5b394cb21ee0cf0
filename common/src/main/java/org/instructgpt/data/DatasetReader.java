package org.instructgpt.data;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a dataset a stage trains on and checks every row before any of it reaches a model: a required column that is
 * null, a candidate without a completion or rank, or a split other than train, validation and test makes the row a
 * {@link Reject} naming the file, the row and the column; the valid rows go on and the counts are reported, so no row
 * disappears without a trace (datasets written by other tools may carry nulls the schema does not forbid).
 */
public final class DatasetReader {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DatasetReader.class);
    // The world's evaluation prompts are its "test" split.
    private static final Set<String> SPLITS = Set.of(SplitAssigner.TRAIN, SplitAssigner.VALIDATION, "test");

    private DatasetReader() {
    }

    /** The valid rows and the rejected ones (both drawn from one cached check), and how many of each. */
    public record Checked(JavaRDD<DataRecord> valid, JavaRDD<Reject> rejects, long validCount,
                          Map<String, Long> rejectedByReason, JavaRDD<?> cached) {
        public long rejectedCount() {
            return rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
        }

        public String summary(String path) {
            return rejectedCount() == 0 ? validCount + " rows of " + path + ", all valid"
                    : String.format("%d rows of %s valid, %d rejected (%s)", validCount, path, rejectedCount(), rejectedByReason);
        }

        public void release() {
            cached.unpersist();
        }
    }

    public static Checked read(SparkSession spark, DatasetKind kind, String path) {
        JavaRDD<Row> rows = DatasetIO.read(spark, kind, path).withColumn("_file", functions.input_file_name()).javaRDD();
        JavaRDD<Tuple2<DataRecord, Reject>> checked = rows.mapPartitions(it -> check(kind, it))
                .persist(StorageLevel.MEMORY_AND_DISK());
        Map<String, Long> byReason = new TreeMap<>(checked.filter(t -> t._2() != null).map(t -> t._2().rule()).countByValue());
        JavaRDD<DataRecord> valid = checked.filter(t -> t._1() != null).map(Tuple2::_1);
        long validCount = valid.count();
        JavaRDD<Reject> rejects = checked.filter(t -> t._2() != null).map(Tuple2::_2);
        if (validCount == 0) {
            String why = byReason.isEmpty() ? "" : "; rejected: " + byReason + ", first: " + rejects.first();
            checked.unpersist();
            throw new DataQualityException(path + " has no valid " + kind.id() + " rows" + why);
        }
        return new Checked(valid, rejects, validCount, byReason, checked);
    }

    /**
     * One partition's rows; row numbers count from 0 within each file (a partition reads whole small files one after
     * another; a file large enough to be split across tasks is numbered from the start of each task's part).
     */
    private static Iterator<Tuple2<DataRecord, Reject>> check(DatasetKind kind, Iterator<Row> it) {
        List<Tuple2<DataRecord, Reject>> out = new ArrayList<>();
        String file = null;
        long row = 0;
        while (it.hasNext()) {
            Row r = it.next();
            String f = r.getAs("_file");
            row = f.equals(file) ? row + 1 : 0;
            file = f;
            Reject problem = problem(kind, r, f, row);
            out.add(problem == null ? new Tuple2<>(DataRecord.fromRow(kind, r), null) : new Tuple2<>(null, problem));
        }
        return out.iterator();
    }

    private static Reject problem(DatasetKind kind, Row r, String file, long row) {
        for (StructField f : kind.schema().fields()) {
            if (!f.nullable() && r.isNullAt(r.fieldIndex(f.name()))) {
                return reject(file, row, f.name(), "null field: required column '" + f.name() + "' is null", r);
            }
        }
        if (kind == DatasetKind.COMPARISONS) {
            List<Row> cs = r.getList(r.fieldIndex("candidates"));
            for (int i = 0; i < cs.size(); i++) {
                Row c = cs.get(i);
                if (c == null || c.isNullAt(c.fieldIndex("completion")) || c.isNullAt(c.fieldIndex("rank"))) {
                    return reject(file, row, "candidates[" + i + "]", "null field: candidate " + i
                            + " has no completion or rank", r);
                }
            }
        }
        String split = r.getAs("split");
        if (!SPLITS.contains(split)) {
            return reject(file, row, "split", "unknown split: '" + split + "' (expected train, validation or test)", r);
        }
        return null;
    }

    private static Reject reject(String file, long row, String field, String reason, Row r) {
        String record = r.toString();
        return new Reject(file, row, field, reason, record.length() > 2000 ? record.substring(0, 2000) + "..." : record);
    }

    /**
     * A stage's input: read and checked, the rejects (if any) written to {@code <stage output>/_rejected/data}, the
     * counts logged.
     */
    public static Checked forStage(SparkSession spark, DatasetKind kind, String data, String stageOutput) {
        Checked c = read(spark, kind, data);
        String at = writeRejects(spark, c, stageOutput, "data");
        LOG.info("{}{}", c.summary(data), at == null ? "" : "; rejects in " + at);
        return c;
    }

    /** Writes the rejects beside a stage's output, when there are any; returns where (or null). */
    public static String writeRejects(SparkSession spark, Checked c, String stageOutput, String name) {
        if (c.rejectedCount() == 0) {
            return null;
        }
        String at = stageOutput + "/_rejected/" + name;
        DatasetIO.writeRejects(spark, c.rejects(), at);
        return at;
    }
}
