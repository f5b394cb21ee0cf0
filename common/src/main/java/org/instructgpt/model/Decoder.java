package org.instructgpt.model;

/** Cached evaluation forward for generation: appends positions to a KV cache and returns logits of chosen rows. */
public interface Decoder {
    /**
     * Appends the input's positions (batch x time new tokens, left-padded prompts included) and returns the logits
     * {@code [rows.length, vocab]} of the given rows ({@code b * time + t}) from the tied LM head.
     */
    double[] forward(ModelInput in, int[] rows);

    /** Positions cached so far. */
    int length();
}
