package org.instructgpt.model;

/**
 * What a forward pass computes besides the transformer.
 *
 * @param targets     per row ({@code b * time + t}), the token whose log-probability is wanted, or -1 for none (such
 *                    rows cost nothing in the LM head's softmax); null: no log-probs at all
 * @param temperature the logits are divided by it before the softmax (PPO scores samples at the sampling temperature)
 * @param entropy     also the entropy of each row's distribution (rows with a target only)
 * @param scalar      the scalar head at every position (value model; the reward model reads the last real token)
 * @param scalarRows  null: the scalar head is wanted at every position; otherwise only at these rows, strictly
 *                    increasing (a reward model's last real tokens), and the output's other rows are NaN. Without
 *                    log-probs an engine may then skip what only other rows need: the array engine runs the top
 *                    block's attention queries, projection and MLP at these rows alone.
 */
public record PassRequest(int[] targets, double temperature, boolean entropy, boolean scalar, int[] scalarRows) {
    public PassRequest {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        if (entropy && targets == null) {
            throw new IllegalArgumentException("entropy needs targets (the rows to compute it for)");
        }
        if (scalarRows != null) {
            if (!scalar) {
                throw new IllegalArgumentException("scalar rows without the scalar head");
            }
            for (int i = 0; i < scalarRows.length; i++) {
                if (scalarRows[i] < 0 || i > 0 && scalarRows[i] <= scalarRows[i - 1]) {
                    throw new IllegalArgumentException("scalar rows must be >= 0 and strictly increasing, got "
                            + java.util.Arrays.toString(scalarRows));
                }
            }
        }
    }

    public PassRequest(int[] targets, double temperature, boolean entropy, boolean scalar) {
        this(targets, temperature, entropy, scalar, null);
    }

    public static PassRequest logProbs(int[] targets) {
        return new PassRequest(targets, 1.0, false, false);
    }

    public static PassRequest scalarHead() {
        return new PassRequest(null, 1.0, false, true);
    }

    /** The scalar head at these rows only (strictly increasing), nothing else. */
    public static PassRequest scalarAt(int[] rows) {
        return new PassRequest(null, 1.0, false, true, rows.clone());
    }

    public PassRequest atTemperature(double t) {
        return new PassRequest(targets, t, entropy, scalar, scalarRows);
    }

    public PassRequest withEntropy() {
        return new PassRequest(targets, temperature, true, scalar, scalarRows);
    }

    public PassRequest withScalar() {
        return new PassRequest(targets, temperature, entropy, true, scalarRows);
    }

    /** {@code all} (one entry a row) with NaN outside {@link #scalarRows}, as an engine that computed every row returns it. */
    public double[] onlyScalarRows(double[] all) {
        if (scalarRows == null) {
            return all;
        }
        double[] out = new double[all.length];
        java.util.Arrays.fill(out, Double.NaN);
        for (int r : scalarRows) {
            out[r] = all[r];
        }
        return out;
    }

    public boolean wantsLogProbs() {
        return targets != null;
    }
}
