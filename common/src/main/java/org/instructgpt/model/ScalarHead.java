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

    /** The score of every sequence, with dropout as {@code mode} says. */
    public static double[] scores(Gpt2Model model, ModelInput in, ForwardMode mode) {
        int[] rows = lastTokenRows(in);
        return atLastTokens(model.forward(in, PassRequest.scalarAt(rows), mode).scalar(), rows);
    }

    /**
     * Scores every sequence and back-propagates the gradient {@code loss} computes from the scores (one entry per
     * sequence); returns the scores.
     */
    public static double[] forwardBackward(Gpt2Model model, ModelInput in, ForwardMode mode, Loss loss) {
        int[] rows = lastTokenRows(in);
        double[][] scores = new double[1][];
        model.forwardBackward(in, PassRequest.scalarAt(rows), mode, out -> {
            scores[0] = atLastTokens(out.scalar(), rows);
            double[] dScores = loss.gradient(scores[0]);
            if (dScores.length != rows.length) {
                throw new IllegalArgumentException("need one score gradient per sequence: " + dScores.length + " for "
                        + rows.length);
            }
            double[] dScalar = new double[in.batch() * in.time()];
            for (int b = 0; b < rows.length; b++) {
                dScalar[rows[b]] = dScores[b];
            }
            return new GptEngine.OutputGradient(null, dScalar);
        });
        return scores[0];
    }

    /** A loss on the sequences' scores, seen as its gradient with respect to them. */
    @FunctionalInterface
    public interface Loss {
        double[] gradient(double[] scores);
    }

    private static double[] atLastTokens(double[] all, int[] rows) {
        double[] s = new double[rows.length];
        for (int b = 0; b < rows.length; b++) {
            s[b] = all[rows[b]];
        }
        return s;
    }
}
