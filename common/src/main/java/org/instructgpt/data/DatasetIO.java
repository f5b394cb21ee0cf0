package org.instructgpt.data;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.Fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * Datasets on any Hadoop path as Parquet, partitioned by {@code split} ({@code <path>/split=train/...}), read back
 * with their schema checked so that a wrong or foreign directory fails with the column it lacks.
 */
public final class DatasetIO {
    private DatasetIO() {
    }

    public static void write(SparkSession spark, JavaRDD<DataRecord> records, DatasetKind kind, String path) {
        Dataset<Row> df = spark.createDataFrame(records.map(DataRecord::toRow), kind.schema());
        df.write().mode(SaveMode.Overwrite).partitionBy("split").parquet(path);
    }

    /**
     * Writes records held by the driver as one file per split with stable names ({@code part-00000.snappy.parquet},
     * no checksum side files), so that the same records give the same files byte for byte.
     */
    public static void write(SparkSession spark, List<? extends DataRecord> records, DatasetKind kind, String path) {
        Dataset<Row> df = spark.createDataFrame(records.stream().map(DataRecord::toRow).toList(), kind.schema());
        df.coalesce(1).write().mode(SaveMode.Overwrite).partitionBy("split").parquet(path);
        stableFileNames(new Path(path));
    }

    /** Renames Spark's part files (named with a random job id) to part-NNNNN.ext and drops .crc files, recursively. */
    static void stableFileNames(Path dir) {
        FileSystem fs = Fs.of(dir);
        try {
            FileStatus[] entries = fs.listStatus(dir);
            Arrays.sort(entries);
            int part = 0;
            for (FileStatus st : entries) {
                String name = st.getPath().getName();
                if (st.isDirectory()) {
                    stableFileNames(st.getPath());
                } else if (name.endsWith(".crc")) {
                    fs.delete(st.getPath(), false);
                } else if (name.startsWith("part-")) {
                    int dot = name.indexOf('.');
                    String ext = dot >= 0 ? name.substring(dot) : "";
                    Path to = new Path(dir, String.format("part-%05d%s", part++, ext));
                    if (!fs.rename(st.getPath(), to)) {
                        throw new IOException("cannot rename " + st.getPath() + " to " + to);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename the files of " + dir + ": " + e.getMessage(), e);
        }
    }

    public static void writeRejects(SparkSession spark, JavaRDD<Reject> rejects, String path) {
        spark.createDataFrame(rejects.map(Reject::toRow), Reject.SCHEMA).write().mode(SaveMode.Overwrite).parquet(path);
    }

    /** The dataset at {@code path}, columns in schema order; an absent or mistyped column is an error naming it. */
    public static Dataset<Row> read(SparkSession spark, DatasetKind kind, String path) {
        Dataset<Row> df = spark.read().parquet(path);
        StructType actual = df.schema();
        for (StructField f : kind.schema().fields()) {
            if (!Arrays.asList(actual.fieldNames()).contains(f.name())) {
                throw new IllegalArgumentException(path + " is not a " + kind.id() + " dataset: column '" + f.name()
                        + "' is missing (expected " + kind.schema().simpleString() + ")");
            }
            DataType t = actual.apply(f.name()).dataType();
            if (!sameType(t, f.dataType())) {
                throw new IllegalArgumentException(path + ": column '" + f.name() + "' is " + t.simpleString()
                        + ", expected " + f.dataType().simpleString());
            }
        }
        return df.select(Arrays.stream(kind.schema().fieldNames()).map(df::col).toArray(org.apache.spark.sql.Column[]::new));
    }

    /** Nullability aside, the same type. */
    private static boolean sameType(DataType a, DataType b) {
        return a.simpleString().equals(b.simpleString());
    }

    public static JavaRDD<DataRecord> readRecords(SparkSession spark, DatasetKind kind, String path) {
        return read(spark, kind, path).javaRDD().map(r -> DataRecord.fromRow(kind, r));
    }

    /** One split of the dataset, as records, in a stable order (by prompt id, then prompt). */
    public static List<DataRecord> collect(SparkSession spark, DatasetKind kind, String path, String split) {
        Dataset<Row> df = read(spark, kind, path).filter("split = '" + split.replace("'", "") + "'");
        String id = kind == DatasetKind.PRETRAIN ? "doc_id" : "prompt_id";
        return df.orderBy(id).collectAsList().stream().map(r -> DataRecord.fromRow(kind, r)).toList();
    }
}
