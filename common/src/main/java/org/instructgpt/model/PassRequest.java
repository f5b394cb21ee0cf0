package org.instructgpt.model;

/**
 * What a forward pass computes besides the transformer.
 *
 * @param targets     per row ({@code b * time + t}), the token whose log-probability is wanted, or -1 for none (such
 *                    rows cost nothing in the LM head's softmax); null: no log-probs at all
 * @param temperature the logits are divided by it before the softmax (PPO scores samples at the sampling temperature)
 * @param entropy     also the entropy of each row's distribution (rows with a target only)
 * @param scalar      the scalar head at every position (value model; the reward model reads the last real token)
 */
public record PassRequest(int[] targets, double temperature, boolean entropy, boolean scalar) {
    public PassRequest {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        if (entropy && targets == null) {
            throw new IllegalArgumentException("entropy needs targets (the rows to compute it for)");
        }
    }

    public static PassRequest logProbs(int[] targets) {
        return new PassRequest(targets, 1.0, false, false);
    }

    public static PassRequest scalarHead() {
        return new PassRequest(null, 1.0, false, true);
    }

    public PassRequest atTemperature(double t) {
        return new PassRequest(targets, t, entropy, scalar);
    }

    public PassRequest withEntropy() {
        return new PassRequest(targets, temperature, true, scalar);
    }

    public PassRequest withScalar() {
        return new PassRequest(targets, temperature, entropy, true);
    }

    public boolean wantsLogProbs() {
        return targets != null;
    }
}
