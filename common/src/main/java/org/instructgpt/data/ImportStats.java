package org.instructgpt.data;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.Fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The counts of an import, written to {@code <output>/_stats.json}: source records read, rows they gave, valid rows
 * per split, rejected rows per rule (duplicates included), and valid rows kept although longer than the token limits
 * (by the first field over its limit; stages truncate or drop them).
 */
public record ImportStats(
        @JsonProperty("kind") String kind,
        @JsonProperty("format") String format,
        @JsonProperty("files") List<String> files,
        @JsonProperty("source_records") long sourceRecords,
        @JsonProperty("rows") long rows,
        @JsonProperty("valid") long valid,
        @JsonProperty("rejected") long rejected,
        @JsonProperty("rejected_fraction") double rejectedFraction,
        @JsonProperty("rejected_by_rule") Map<String, Long> rejectedByRule,
        @JsonProperty("splits") Map<String, Long> splits,
        @JsonProperty("over_length") Map<String, Long> overLength) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    public void write(Path file) {
        FileSystem fs = Fs.of(file);
        try (FSDataOutputStream out = fs.create(file, true)) {
            out.write(JSON.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static ImportStats read(Path file) {
        try {
            return JSON.readValue(Fs.readAll(Fs.of(file), file), ImportStats.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** One line for the log. */
    public String summary() {
        return String.format("%s (%s): %d source records, %d rows, %d valid %s, %d rejected (%.2f%%) %s, %d valid rows over"
                        + " the token limits %s", kind, format, sourceRecords, rows, valid, splits, rejected,
                100 * rejectedFraction, rejectedByRule, overLength.values().stream().mapToLong(Long::longValue).sum(), overLength);
    }
}
