package org.instructgpt.data;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.instructgpt.SparkTestSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A dataset written by another tool, with nulls and a split we do not know: every bad row is named, none vanishes. */
class DatasetReaderTest {
    @TempDir
    Path tmp;

    /** The demonstrations schema with every column nullable, as a tool that does not know our schema writes it. */
    private static final StructType LOOSE = new StructType()
            .add("prompt_id", DataTypes.StringType, true)
            .add("prompt", DataTypes.StringType, true)
            .add("completion", DataTypes.StringType, true)
            .add("group_id", DataTypes.StringType, true)
            .add("task", DataTypes.StringType, true)
            .add("split", DataTypes.StringType, true);

    @Test
    void nullFieldsAndUnknownSplitsBecomeRejectsNamingFileRowAndColumn() {
        SparkSession spark = SparkTestSession.get();
        String path = tmp.resolve("demos").toString();
        List<Row> rows = List.of(
                RowFactory.create("p1", "Say hi", "hi", null, null, "train"),
                RowFactory.create("p2", "Say yo", null, null, null, "train"),
                RowFactory.create("p3", "Say ok", "ok", null, null, "dev"),
                RowFactory.create("p4", "Say no", "no", null, null, "validation"));
        spark.createDataFrame(rows, LOOSE).coalesce(1).write().partitionBy("split").parquet(path);

        DatasetReader.Checked c = DatasetReader.read(spark, DatasetKind.DEMONSTRATIONS, path);
        assertEquals(2, c.validCount());
        assertEquals(2, c.rejectedCount());
        List<Reject> rejects = c.rejects().collect().stream().sorted(Comparator.comparing(Reject::field)).toList();
        Reject nullCompletion = rejects.get(0);
        assertEquals("completion", nullCompletion.field());
        assertTrue(nullCompletion.sourceFile().contains("split=train") && nullCompletion.sourceFile().endsWith(".parquet"),
                nullCompletion.sourceFile());
        assertEquals(1, nullCompletion.sourceRow(), "the second row of its file");
        assertTrue(nullCompletion.reason().startsWith("null field") && nullCompletion.record().contains("p2"));
        Reject dev = rejects.get(1);
        assertEquals("split", dev.field());
        assertTrue(dev.reason().contains("'dev'") && dev.sourceFile().contains("split=dev"), dev.toString());
        assertEquals(List.of("p1", "p4"), c.valid().map(r -> ((DataRecord.Demonstration) r).promptId()).collect()
                .stream().sorted().toList());
        assertTrue(c.summary(path).contains("2 rejected"), c.summary(path));

        String out = tmp.resolve("stage").toString();
        String at = DatasetReader.writeRejects(spark, c, out, "data");
        assertEquals(2, spark.read().parquet(at).count());
        c.release();
    }

    @Test
    void aDatasetWithoutOneValidRowIsAnErrorNamingTheFirstReject() {
        SparkSession spark = SparkTestSession.get();
        String path = tmp.resolve("bad").toString();
        spark.createDataFrame(List.of(RowFactory.create("p1", null, "x", null, null, "train")), LOOSE)
                .write().partitionBy("split").parquet(path);
        DataQualityException e = assertThrows(DataQualityException.class,
                () -> DatasetReader.read(spark, DatasetKind.DEMONSTRATIONS, path));
        assertTrue(e.getMessage().contains("no valid demonstrations rows") && e.getMessage().contains("field 'prompt'"),
                e.getMessage());
    }
}
