package org.instructgpt.rm;

import com.typesafe.config.Config;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.DatasetReader;
import org.instructgpt.io.Fs;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.ModelPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * {@code instructgpt score}: scores a prompt/response dataset (the demonstrations schema: {@code prompt},
 * {@code completion}) with a reward model on the executors, bias included, into Parquet with a {@code score} column
 * beside the input's columns. The reward model is loaded once per executor; rows are scored in batches of
 * {@code batch-size} (a row's score does not depend on its batch: right padding, the last real token).
 */
public final class ScoreStage {
    private static final Logger LOG = LoggerFactory.getLogger(ScoreStage.class);
    public static final StructType SCHEMA = new StructType()
            .add("prompt_id", DataTypes.StringType, false)
            .add("prompt", DataTypes.StringType, false)
            .add("completion", DataTypes.StringType, false)
            .add("group_id", DataTypes.StringType, true)
            .add("task", DataTypes.StringType, true)
            .add("score", DataTypes.DoubleType, false)
            .add("split", DataTypes.StringType, false);

    private ScoreStage() {
    }

    /** How many rows were scored, their mean score, and where they went. */
    public record Summary(long rows, double meanScore, String output) {
    }

    public static Summary run(SparkSession spark, Config root) {
        Config c = root.getConfig("instructgpt.score");
        String model = c.getString("model");
        int maxLength = c.getInt("max-length");
        int batch = c.getInt("batch-size");
        String output = c.getString("output");
        DatasetReader.Checked input = DatasetReader.read(spark, DatasetKind.DEMONSTRATIONS, c.getString("data"));
        LOG.info("{}", input.summary(c.getString("data")));
        JavaRDD<Row> scored = input.valid().map(r -> (DataRecord.Demonstration) r)
                .mapPartitions(it -> score(it, model, maxLength, batch))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            long n = scored.count();
            double mean = n == 0 ? Double.NaN : scored.map(r -> r.getDouble(5)).reduce(Double::sum) / n;
            // Written aside and moved into place: an earlier scoring survives a failed one.
            Fs.writeDirectory(new Path(output), staging -> {
                spark.createDataFrame(scored, SCHEMA).write().mode(SaveMode.Overwrite).partitionBy("split")
                        .parquet(staging.toString());
                DatasetReader.writeRejects(spark, input, staging.toString(), "data");
            });
            LOG.info("score: {} rows of {} scored by {}, mean {}, into {}", n, c.getString("data"), model,
                    String.format("%.4f", mean), output);
            return new Summary(n, mean, output);
        } finally {
            scored.unpersist();
            input.release();
        }
    }

    /** One partition: the reward model borrowed once, rows scored a batch at a time. */
    static Iterator<Row> score(Iterator<DataRecord.Demonstration> rows, String model, int maxLength, int batch) {
        List<DataRecord.Demonstration> all = new ArrayList<>();
        rows.forEachRemaining(all::add);
        ModelCheckpoint.Loaded rm = ModelPool.borrow(model);
        double[] s;
        try {
            s = new RewardScorer(rm, "instructgpt.score.model " + model, maxLength, batch).score(
                    all.stream().map(DataRecord.Demonstration::prompt).toList(),
                    all.stream().map(DataRecord.Demonstration::completion).toList());
        } finally {
            ModelPool.giveBack(model, rm);
        }
        List<Row> out = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) {
            DataRecord.Demonstration d = all.get(i);
            out.add(RowFactory.create(d.promptId(), d.prompt(), d.completion(), d.groupId(), d.task(), s[i], d.split()));
        }
        return out.iterator();
    }
}
