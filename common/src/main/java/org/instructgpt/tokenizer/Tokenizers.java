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

    private Tokenizers() {
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
