package org.instructgpt.data;

import java.io.Serializable;

/**
 * One record of an input file, as JSON text: a line of a JSONL file or a row of a Parquet file. {@code row} counts
 * from 1 (the line number of a JSONL file); {@code fileIndex} orders the input files, so (fileIndex, row) orders all
 * records the same way in every run.
 */
public record SourceRecord(int fileIndex, String file, long row, String json) implements Serializable {
}
