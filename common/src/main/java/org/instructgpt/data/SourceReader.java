package org.instructgpt.data;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads input files as {@link SourceRecord}s that remember their file and row: a JSONL file line by line (blank lines
 * skipped; the row is the line number), a Parquet file row by row (each row as JSON). Each file is its own RDD so
 * that row numbers are exact; they are unioned in file order.
 */
public final class SourceReader {
    private SourceReader() {
    }

    public static JavaRDD<SourceRecord> read(SparkSession spark, List<String> files) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<JavaRDD<SourceRecord>> parts = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            int fileIndex = i;
            String file = files.get(i);
            JavaRDD<String> lines = InputFiles.isParquet(file)
                    ? spark.read().parquet(file).toJSON().javaRDD()
                    : sc.textFile(file);
            parts.add(lines.zipWithIndex()
                    .filter(t -> !t._1().isBlank())
                    .map(t -> new SourceRecord(fileIndex, file, t._2() + 1, t._1())));
        }
        if (parts.isEmpty()) {
            return sc.emptyRDD();
        }
        return parts.size() == 1 ? parts.get(0) : sc.union(parts.toArray(JavaRDD[]::new));
    }
}
