package org.instructgpt.world;

import org.instructgpt.util.Seeds;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * The world's labelers for ranking a policy's samples: {@code size} simulated labelers whose temperatures spread
 * log-normally around the calibrated one (so some are noisier than others, as people are), each prompt ranked by the
 * labeler its customer is assigned to (the paper's labelers each served their own share of customers' prompts).
 */
public final class LabelerPool implements Serializable {
    private final long seed;
    private final SimulatedLabeler[] labelers;

    /** @param spread the standard deviation of log(temperature) across labelers (0: all alike) */
    public LabelerPool(long seed, double temperature, int size, double spread) {
        if (size < 1) {
            throw new IllegalArgumentException("a labeler pool needs at least one labeler, got " + size);
        }
        this.seed = seed;
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, 0x1abe1));
        labelers = new SimulatedLabeler[size];
        for (int i = 0; i < size; i++) {
            labelers[i] = new SimulatedLabeler(temperature * Math.exp(spread * rng.nextGaussian()));
        }
    }

    /**
     * Labelers who labeled none of the training comparisons (the paper's held-out labelers): a pool of the same
     * make-up drawn from another seed, so their temperatures and their assignment to customers differ.
     */
    public static LabelerPool heldOut(long seed, double temperature, int size, double spread) {
        return new LabelerPool(Seeds.derive(seed, 0x4e1d0), temperature, size, spread);
    }

    public int size() {
        return labelers.length;
    }

    /** The labeler assigned to a customer (or, without one, to the prompt), the same in every run. */
    public int labelerOf(String customer) {
        return (int) Math.floorMod(Seeds.derive(seed, customer == null ? 0 : customer.hashCode()), (long) labelers.length);
    }

    public SimulatedLabeler labeler(int i) {
        return labelers[i];
    }
}
