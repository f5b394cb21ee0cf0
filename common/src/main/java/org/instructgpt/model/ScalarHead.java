package org.instructgpt.model;

/**
 * The scalar head read at each sequence's last real token, as {@code GPT2ForSequenceClassification} reads it (the
 * reward model's score), written once on the {@link GptEngine} interface.
 */
public final class ScalarHead {
    private ScalarHead() {
    }

    /** For each sequence, the row index ({@code b * time + t}) of its last position with mask 1. */
    public static int[] lastTokenRows(ModelInput in) {
        int[] rows = new int[in.batch()];
        for (int b = 0; b < in.batch(); b++) {
            int last = -1;
            for (int t = 0; t < in.time(); t++) {
                if (in.mask()[b * in.time() + t] != 0) {
                    last = t;
                }
            }
            if (last < 0) {
                throw new IllegalArgumentException("sequence " + b + " has no unmasked token to score");
            }
            rows[b] = b * in.time() + last;
        }
        return rows;
    }

    /** The score of every sequence (one per row of the batch), without dropout. */
    public static double[] scores(Gpt2Model model, ModelInput in) {
        return scores(model, in, ForwardMode.EVAL);
    }

    /** The score of every sequence; the pass is kept, so {@link #backward} can follow. */
    public static double[] scores(Gpt2Model model, ModelInput in, ForwardMode mode) {
        double[] all = model.forward(in, PassRequest.scalarHead(), mode).scalar();
        int[] rows = lastTokenRows(in);
        double[] s = new double[rows.length];
        for (int b = 0; b < rows.length; b++) {
            s[b] = all[rows[b]];
        }
        return s;
    }

    /** Back-propagates d(loss)/d(score) of every sequence through the last {@link #scores} pass. */
    public static void backward(Gpt2Model model, ModelInput in, double[] dScores) {
        int[] rows = lastTokenRows(in);
        if (dScores.length != rows.length) {
            throw new IllegalArgumentException("need one score gradient per sequence: " + dScores.length + " for " + rows.length);
        }
        double[] dScalar = new double[in.batch() * in.time()];
        for (int b = 0; b < rows.length; b++) {
            dScalar[rows[b]] = dScores[b];
        }
        model.backward(null, dScalar);
    }
}
