package org.instructgpt.model;

/**
 * One GPT-2 pass, the seam between the model and its engines: the ND4J engine (the reference: double precision, any
 * ND4J backend, GPUs) and the array engine (float32 on the CPU, Java arrays and the Vector API). A model picks its
 * engine once ({@link EngineKind}); heads and losses (LM, reward, value, PPO) are written once, against this
 * interface, and one contract test suite holds both engines to the same numbers.
 *
 * <p>An engine runs one forward/backward at a time: {@link #forward} keeps what {@link #backward} needs, and
 * {@link #backward} adds the gradient into the model's gradient buffer (it never clears it).
 */
public interface GptEngine {
    /** Which engine this is, for logs and benchmark records. */
    EngineKind kind();

    /**
     * The transformer over a batch, then the requested heads: per-token log-probabilities of given tokens (at a
     * temperature, optionally with the entropy of each row's distribution) and/or the scalar head at every position.
     */
    PassOutput forward(ModelInput in, PassRequest request, ForwardMode mode);

    /**
     * Back-propagates from the last forward: {@code dLogProbs[i]} is d(loss)/d(log-prob of row i's target) and
     * {@code dScalar[i]} is d(loss)/d(scalar at row i); either may be null (no gradient through that head). Rows are
     * {@code b * time + t}. The log-prob gradient is the LM loss's and PPO's policy loss's; the scalar one is the
     * reward and value losses'.
     */
    void backward(double[] dLogProbs, double[] dScalar);

    /**
     * A decoder with a KV cache for {@code batch} sequences of up to {@code capacity} positions. Built once and
     * reused: asking again returns the same decoder, emptied, and whatever it prepared from the parameters (packed
     * weights) is kept while they are unchanged. One decoder per model is live at a time.
     */
    Decoder decoder(int batch, int capacity);
}
