package org.instructgpt;

import org.apache.hadoop.fs.Path;
import org.instructgpt.io.SafeTensorsWriter;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Files;

/**
 * A directory laid out as Hugging Face saves a GPT-2 (config.json without a pad token, model.safetensors, GPT-2's real
 * tokenizer files: 50,257 tokens, no pad token), with small random weights standing in for the real ones, which
 * cannot be downloaded here.
 */
public final class HuggingFaceDirs {
    private HuggingFaceDirs() {
    }

    public static Gpt2Model gpt2Shaped(java.nio.file.Path dir, int nEmbd, long seed) throws IOException {
        GptConfig cfg = GptConfig.of(50257, 64, nEmbd, 1, 2).with("bos_token_id", 50256).with("eos_token_id", 50256)
                .with("pad_token_id", null);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), cfg.toJson());
        Gpt2Model m = Gpt2Model.create(cfg, DataType.FLOAT, false);
        m.initialize(seed);
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (String name : m.params().names()) {
            w.add(name, m.params().get(name));
        }
        w.write(Fixtures.localFs(), new Path(dir.resolve("model.safetensors").toUri()));
        java.nio.file.Path tokenizer = java.nio.file.Path.of(Fixtures.resource("data/gpt2-tokenizer").toUri());
        try (var files = Files.list(tokenizer)) {
            for (java.nio.file.Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return m;
    }
}
