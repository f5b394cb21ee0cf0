package org.instructgpt.train;

import com.typesafe.config.Config;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.EmbeddedModels;
import org.instructgpt.io.Fs;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.instructgpt.tokenizer.Tokenizer;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The checkpoint a stage starts from ({@code <stage>.base}: ours, a Hugging Face GPT-2 directory, or
 * {@code embedded:<name>}), with the tokenizer its data is encoded with; one that has none is refused by name.
 */
public record BaseCheckpoint(String location, Path dir, Gpt2Model model, Tokenizer tokenizer) {
    public static BaseCheckpoint load(Config stage, String stageName) {
        return load(stage, stageName, "base");
    }

    /** The checkpoint named by {@code instructgpt.<stageName>.<key>} (PPO's policy, value model). */
    public static BaseCheckpoint load(Config stage, String stageName, String key) {
        String location = stage.getString(key);
        Path dir = EmbeddedModels.resolve(location);
        ModelCheckpoint.Loaded base;
        try {
            base = ModelCheckpoint.load(Fs.of(dir), dir, DataType.FLOAT);
        } catch (IOException e) {
            throw new UncheckedIOException("instructgpt." + stageName + "." + key + ": cannot load " + location + ": "
                    + e.getMessage(), e);
        }
        Tokenizer tok = base.tokenizer().orElseThrow(() -> new IllegalArgumentException("instructgpt." + stageName
                + "." + key + ": " + location + " has no tokenizer (tokenizer.json, or our " + ByteLevelTokenizer.FILE
                + ") to encode the data with; put the model's tokenizer files beside its config.json"));
        return new BaseCheckpoint(location, dir, base.model(), tok);
    }

    /** What executors are given to rebuild the tokenizer: the checkpoint directory. */
    public String tokenizerSpec() {
        return dir.toString();
    }
}
