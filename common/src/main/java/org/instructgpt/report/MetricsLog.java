package org.instructgpt.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.Fs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-step metrics as JSON lines ({@code metrics.jsonl}), one object per record with at least {@code step} and
 * {@code kind} ("train" or "validation"), for people to read and plot. The file is rewritten whole on every flush
 * (object stores cannot append), and a resumed run keeps the records up to its step.
 */
public final class MetricsLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final FileSystem fs;
    private final List<ObjectNode> records = new ArrayList<>();

    public MetricsLog(Path file) {
        this.file = file;
        this.fs = Fs.of(file);
    }

    /** Continues an earlier run's log: keeps its records up to and including {@code step}. */
    public MetricsLog resumeAt(long step) {
        records.clear();
        try {
            if (fs.exists(file)) {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        ObjectNode n = (ObjectNode) JSON.readTree(line);
                        if (n.path("step").asLong() <= step) {
                            records.add(n);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return this;
    }

    public ObjectNode record(String kind, long step) {
        ObjectNode n = JSON.createObjectNode();
        n.put("kind", kind);
        n.put("step", step);
        records.add(n);
        return n;
    }

    public List<ObjectNode> records() {
        return records;
    }

    public void flush() {
        try (FSDataOutputStream out = fs.create(file, true)) {
            for (ObjectNode n : records) {
                out.write(JSON.writeValueAsBytes(n));
                out.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
