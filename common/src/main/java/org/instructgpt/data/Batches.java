package org.instructgpt.data;

import org.instructgpt.model.LanguageModelLoss;
import org.instructgpt.model.ModelInput;

import java.util.List;

/**
 * Padding a list of sequences into one batch: right padding for training and scoring (positions count from 0 in
 * every row; a scalar head reads the last real token), left padding for generation (every row ends at the same
 * position, so new tokens are appended in step).
 */
public final class Batches {
    private Batches() {
    }

    /** A right-padded training batch with its next-token targets and loss weights. */
    public record TrainingBatch(ModelInput input, LanguageModelLoss.Targets targets, int truncated) {
    }

    /**
     * The id written at padded positions. Masked positions are never attended to nor predicted, so any id in the
     * vocabulary will do; a tokenizer without a pad token (GPT-2's) passes -1, and 0 stands in for it.
     */
    public static int fillerId(int padId) {
        return padId >= 0 ? padId : 0;
    }

    public static TrainingBatch rightPadded(List<TokenizedExample> examples, int padId) {
        int filler = fillerId(padId);
        int len = examples.stream().mapToInt(TokenizedExample::length).max().orElseThrow(
                () -> new IllegalArgumentException("an empty batch"));
        int b = examples.size();
        int[][] ids = new int[b][len];
        int[][] mask = new int[b][len];
        float[] loss = new float[b * len];
        int truncated = 0;
        for (int i = 0; i < b; i++) {
            TokenizedExample e = examples.get(i);
            for (int t = 0; t < len; t++) {
                boolean real = t < e.length();
                ids[i][t] = real ? e.ids()[t] : filler;
                mask[i][t] = real ? 1 : 0;
                loss[i * len + t] = real ? e.lossMask()[t] : 0f;
            }
            truncated += e.truncated() ? 1 : 0;
        }
        ModelInput in = ModelInput.withMask(ids, mask);
        return new TrainingBatch(in, LanguageModelLoss.shifted(in, loss), truncated);
    }

    public static ModelInput leftPadded(int[][] sequences, int padId) {
        int len = 0;
        for (int[] p : sequences) {
            if (p.length == 0) {
                throw new IllegalArgumentException("an empty prompt cannot be generated from");
            }
            len = Math.max(len, p.length);
        }
        int filler = fillerId(padId);
        int[][] ids = new int[sequences.length][len];
        int[][] mask = new int[sequences.length][len];
        for (int b = 0; b < sequences.length; b++) {
            int off = len - sequences[b].length;
            for (int t = 0; t < len; t++) {
                ids[b][t] = t < off ? filler : sequences[b][t - off];
                mask[b][t] = t < off ? 0 : 1;
            }
        }
        return ModelInput.withMask(ids, mask);
    }
}
