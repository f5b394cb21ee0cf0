package org.instructgpt.train;

import org.instructgpt.model.GptConfig;
import org.instructgpt.model.Gpt2Model;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.Serializable;

/** What an executor needs to build a replica of the model being trained: its config (as config.json) and heads. */
public record ModelSpec(String configJson, boolean scoreHead) implements Serializable {
    public static ModelSpec of(Gpt2Model m) {
        return new ModelSpec(m.config().toJson(), m.hasScoreHead());
    }

    public GptConfig config() {
        return GptConfig.fromJson(configJson);
    }

    public Gpt2Model build() {
        return Gpt2Model.create(config(), DataType.FLOAT, scoreHead);
    }
}
