package org.instructgpt.data;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.Locale;

/**
 * The datasets of the pipeline and their Parquet schemas. Every dataset has a {@code split} column (the partition
 * column on disk); {@code group_id} is the user or customer a row came from (splits are made by it, as the paper split
 * by user) and {@code task} the task family where one is known; both may be null.
 */
public enum DatasetKind {
    /** A document of pre-training text. */
    PRETRAIN(new StructType()
            .add("doc_id", DataTypes.StringType, false)
            .add("text", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)),
    /** A prompt and a labeler's answer. */
    DEMONSTRATIONS(new StructType()
            .add("prompt_id", DataTypes.StringType, false)
            .add("prompt", DataTypes.StringType, false)
            .add("completion", DataTypes.StringType, false)
            .add("group_id", DataTypes.StringType, true)
            .add("task", DataTypes.StringType, true)
            .add("split", DataTypes.StringType, false)),
    /** A prompt and K = 2..9 answers ranked by a labeler (rank 1 best; ties allowed). */
    COMPARISONS(new StructType()
            .add("prompt_id", DataTypes.StringType, false)
            .add("prompt", DataTypes.StringType, false)
            .add("candidates", DataTypes.createArrayType(Candidate.SCHEMA, false), false)
            .add("group_id", DataTypes.StringType, true)
            .add("task", DataTypes.StringType, true)
            .add("split", DataTypes.StringType, false)),
    /** A prompt for PPO or evaluation. */
    PROMPTS(new StructType()
            .add("prompt_id", DataTypes.StringType, false)
            .add("prompt", DataTypes.StringType, false)
            .add("group_id", DataTypes.StringType, true)
            .add("task", DataTypes.StringType, true)
            .add("split", DataTypes.StringType, false));

    private final StructType schema;

    DatasetKind(StructType schema) {
        this.schema = schema;
    }

    public StructType schema() {
        return schema;
    }

    /** The name used in configs and on the command line: pretrain, demonstrations, comparisons, prompts. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DatasetKind of(String id) {
        return Arrays.stream(values()).filter(k -> k.id().equals(id.toLowerCase(Locale.ROOT))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown dataset kind '" + id + "' (one of "
                        + Arrays.stream(values()).map(DatasetKind::id).toList() + ")"));
    }
}
