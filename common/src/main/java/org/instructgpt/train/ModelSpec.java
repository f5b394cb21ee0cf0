package org.instructgpt.train;

import org.instructgpt.model.EngineKind;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.Gpt2Model;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.Serializable;

/**
 * What an executor needs to build a replica of the model being trained: its config (as config.json), heads, precision
 * and engine (the driver's, so every replica computes the same way).
 */
public record ModelSpec(String configJson, boolean scoreHead, DataType dtype, EngineKind engine) implements Serializable {
    public static ModelSpec of(Gpt2Model m) {
        return new ModelSpec(m.config().toJson(), m.hasScoreHead(), m.dataType(), m.engine().kind());
    }

    public GptConfig config() {
        return GptConfig.fromJson(configJson);
    }

    public Gpt2Model build() {
        return Gpt2Model.create(config(), dtype, scoreHead, engine);
    }
}
