package org.instructgpt.data;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;

/** One ranked answer of a comparison: rank 1 is the best; equal ranks are ties. */
public record Candidate(String completion, int rank) implements Serializable {
    public static final StructType SCHEMA = new StructType()
            .add("completion", DataTypes.StringType, false)
            .add("rank", DataTypes.IntegerType, false);
}
