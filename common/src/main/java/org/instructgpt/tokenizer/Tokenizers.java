package org.instructgpt.tokenizer;

import org.instructgpt.io.Fs;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Finds the tokenizer stored in a (checkpoint) directory on any Hadoop file system. */
public final class Tokenizers {
    /** Hugging Face's tokenizer files that we carry along with a checkpoint. */
    public static final List<String> HF_FILES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "vocab.json", "merges.txt");

    private static final Map<String, Tokenizer> BY_SPEC = new java.util.concurrent.ConcurrentHashMap<>();

    private Tokenizers() {
    }

    /**
     * The tokenizer a config names: {@code byte-level}, or a directory (any Hadoop path) holding a tokenizer, such as
     * a checkpoint. Loaded once per JVM, so Spark tasks on an executor share it.
     */
    public static Tokenizer forSpec(String spec) {
        return BY_SPEC.computeIfAbsent(spec, s -> {
            if (s.equals("byte-level")) {
                return new ByteLevelTokenizer();
            }
            Path dir = new Path(s);
            try {
                return load(Fs.of(dir), dir).orElseThrow(() -> new IllegalArgumentException("no tokenizer ("
                        + ByteLevelTokenizer.FILE + " or tokenizer.json) in " + s));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot read the tokenizer in " + s + ": " + e.getMessage(), e);
            }
        });
    }

    public static Optional<Tokenizer> load(FileSystem fs, Path dir) throws IOException {
        if (fs.exists(new Path(dir, ByteLevelTokenizer.FILE))) {
            return Optional.of(new ByteLevelTokenizer());
        }
        if (!fs.exists(new Path(dir, "tokenizer.json"))) {
            return Optional.empty();
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : HF_FILES) {
            Path p = new Path(dir, name);
            if (fs.exists(p)) {
                files.put(name, Fs.readAll(fs, p));
            }
        }
        return Optional.of(new HuggingFaceTokenizerAdapter(files));
    }
}
