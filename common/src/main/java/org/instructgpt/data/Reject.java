package org.instructgpt.data;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;

/** A row that did not make it into a dataset: where it came from, which field, why, and the record itself. */
public record Reject(String sourceFile, long sourceRow, String field, String reason, String record) implements Serializable {
    public static final StructType SCHEMA = new StructType()
            .add("source_file", DataTypes.StringType, false)
            .add("source_row", DataTypes.LongType, false)
            .add("field", DataTypes.StringType, true)
            .add("reason", DataTypes.StringType, false)
            .add("record", DataTypes.StringType, true);

    public static Reject of(SourceRecord src, String field, String reason) {
        return new Reject(src.file(), src.row(), field, reason, src.json());
    }

    public Row toRow() {
        return RowFactory.create(sourceFile, sourceRow, field, reason, record);
    }

    /** The reason without its specifics (numbers, quoted values), for counting rejects by rule. */
    public String rule() {
        int colon = reason.indexOf(':');
        return colon > 0 ? reason.substring(0, colon) : reason;
    }

    @Override
    public String toString() {
        return sourceFile + " row " + sourceRow + (field == null ? "" : ", field '" + field + "'") + ": " + reason;
    }
}
