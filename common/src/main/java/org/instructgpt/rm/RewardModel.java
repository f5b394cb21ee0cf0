package org.instructgpt.rm;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.ModelInput;
import org.instructgpt.model.ScalarHead;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;

/**
 * A reward model's score: the scalar head at the last real token plus the bias the paper sets after training, so that
 * labeler demonstrations score 0 on average. The bias is stored in the checkpoint's config.json ({@value #BIAS}), which
 * Hugging Face keeps as an attribute of a {@code GPT2ForSequenceClassification} config; every scorer applies it.
 */
public final class RewardModel {
    /** The config.json field holding the bias. */
    public static final String BIAS = "reward_bias";

    private RewardModel() {
    }

    public static double bias(Gpt2Model rm) {
        return rm.config().number(BIAS, 0.0);
    }

    /** The score of every sequence of the batch, bias included. */
    public static double[] scores(Gpt2Model rm, ModelInput in) {
        double[] s = ScalarHead.scores(rm, in);
        double b = bias(rm);
        for (int i = 0; i < s.length; i++) {
            s[i] += b;
        }
        return s;
    }

    /**
     * Rewrites the checkpoint at {@code dir} with {@code bias} in its config, keeping its weights, tokenizer, training
     * state and provenance (atomically, as every checkpoint).
     */
    public static void writeBias(FileSystem fs, Path dir, double bias) throws IOException {
        writeBias(fs, dir, ModelCheckpoint.load(fs, dir, DataType.FLOAT), bias);
    }

    /** As {@link #writeBias(FileSystem, Path, double)}, for the checkpoint already loaded from {@code dir}. */
    public static void writeBias(FileSystem fs, Path dir, ModelCheckpoint.Loaded l, double bias) throws IOException {
        Gpt2Model m = l.model();
        if (!m.hasScoreHead()) {
            throw new IllegalArgumentException(dir + " is not a reward model: it has no score head");
        }
        Gpt2Model withBias = Gpt2Model.create(m.config().with(BIAS, bias), DataType.FLOAT, true);
        withBias.params().flat().assign(m.params().flat());
        ModelCheckpoint.save(fs, dir, withBias, l.tokenizer().orElse(null), l.trainingState().orElse(null),
                l.provenance().map(p -> p.put(BIAS, bias)).orElse(null));
    }
}
