package org.instructgpt.model;

/**
 * How a forward pass runs: in training (dropout on) with the seed of this pass's
 * dropout masks, or in evaluation (dropout off).
 */
public record ForwardMode(boolean training, long dropoutSeed) {
    public static final ForwardMode EVAL = new ForwardMode(false, 0);

    public static ForwardMode train(long dropoutSeed) {
        return new ForwardMode(true, dropoutSeed);
    }
}
