package org.instructgpt.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;

/**
 * {@code provenance.json}: how an artifact was made, so a user can trust and reproduce it: the effective config, the
 * git commit and versions of the code, the inputs, and when.
 */
public final class Provenance {
    public static final String FILE = "provenance.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final ObjectNode root;

    private Provenance(ObjectNode root) {
        this.root = root;
    }

    /** A record of the current build and environment, for a stage called {@code stage}. */
    public static Provenance of(String stage) {
        ObjectNode n = JSON.createObjectNode();
        n.put("stage", stage);
        n.put("created", Instant.now().toString());
        Properties build = buildInfo();
        ObjectNode code = n.putObject("code");
        code.put("version", build.getProperty("version", "unknown"));
        code.put("git_commit", build.getProperty("git.commit", "unknown"));
        ObjectNode versions = n.putObject("versions");
        versions.put("java", System.getProperty("java.version"));
        versions.put("nd4j_backend", Nd4j.getBackend().getClass().getSimpleName());
        versions.put("nd4j", build.getProperty("nd4j.version", "unknown"));
        versions.put("spark", build.getProperty("spark.version", "unknown"));
        n.putObject("inputs");
        n.putObject("config");
        return new Provenance(n);
    }

    static Properties buildInfo() {
        Properties p = new Properties();
        try (InputStream in = Provenance.class.getResourceAsStream("/instructgpt/build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // Provenance is best effort about the build; the fields then read "unknown".
        }
        return p;
    }

    /** An independent copy, for fields that belong to one artifact only (an epoch's weights). */
    public Provenance copy() {
        return new Provenance(root.deepCopy());
    }

    public Provenance input(String name, String path) {
        ((ObjectNode) root.get("inputs")).put(name, path);
        return this;
    }

    /** The effective configuration, as a JSON-compatible map (for example Typesafe Config's {@code root().unwrapped()}). */
    public Provenance config(Map<String, Object> config) {
        root.set("config", JSON.valueToTree(config));
        return this;
    }

    public Provenance put(String field, Object value) {
        root.set(field, JSON.valueToTree(value));
        return this;
    }

    public JsonNode json() {
        return root;
    }

    public void write(FileSystem fs, Path dir) throws IOException {
        try (FSDataOutputStream out = fs.create(new Path(dir, FILE), true)) {
            out.write(JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
        }
    }

    public static Provenance read(FileSystem fs, Path dir) throws IOException {
        try (InputStream in = fs.open(new Path(dir, FILE))) {
            JsonNode n = JSON.readTree(in);
            if (!(n instanceof ObjectNode o)) {
                throw new IOException(new Path(dir, FILE) + " is not a JSON object");
            }
            return new Provenance(o);
        }
    }
}
