package org.instructgpt.model;

/**
 * One GPT-2 pass, the seam between the model and its engines: the ND4J engine (the reference: double precision, any
 * ND4J backend, GPUs) and the array engine (float32 on the CPU, Java arrays and the Vector API). A model picks its
 * engine once ({@link EngineKind}); heads and losses (LM, reward, value, PPO) are written once, against this
 * interface, and one contract test suite holds both engines to the same numbers.
 *
 * <p>An engine runs one pass at a time. Training is one call, {@link #forwardBackward}: the loss sees the forward's
 * outputs and returns its gradient with respect to them, which the engine back-propagates within the same pass (so
 * the ND4J engine keeps the whole step in one reused workspace). The gradient is added into the model's gradient
 * buffer, never cleared.
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
     * A forward pass, then the backward from the gradient {@code loss} computes from its outputs; returns the
     * outputs. Rows are {@code b * time + t}. The log-prob gradient is the LM loss's and PPO's policy loss's (per-token
     * weights); the scalar one is the reward and value losses'.
     */
    PassOutput forwardBackward(ModelInput in, PassRequest request, ForwardMode mode, Loss loss);

    /**
     * A decoder with a KV cache for {@code batch} sequences of up to {@code capacity} positions. Built once and
     * reused: asking again returns the same decoder, emptied, and whatever it prepared from the parameters (packed
     * weights) is kept while they are unchanged. One decoder per model is live at a time.
     */
    Decoder decoder(int batch, int capacity);

    /** A loss seen from the pass: its gradient with respect to the pass's outputs. */
    @FunctionalInterface
    interface Loss {
        OutputGradient gradient(PassOutput out);
    }

    /**
     * d(loss)/d(outputs): {@code dLogProbs[i]} with respect to the log-prob of row i's target, {@code dScalar[i]} with
     * respect to the scalar head at row i; either may be null (no gradient through that head).
     */
    record OutputGradient(double[] dLogProbs, double[] dScalar) {
    }
}
