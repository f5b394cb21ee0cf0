package org.instructgpt.model;

import org.instructgpt.util.Seeds;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inverted dropout with a mask drawn from a seed that the caller derives from (seed, step, partition, micro-batch),
 * so a retried task draws the same mask. libnd4j's dropout ops have no gradient, hence the explicit mask.
 */
final class Dropout {
    private final double p;
    private final long site;
    private INDArray mask;

    Dropout(double p, long site) {
        this.p = p;
        this.site = site;
    }

    boolean active(ForwardMode mode) {
        return p > 0 && mode.training();
    }

    INDArray forward(INDArray x, ForwardMode mode) {
        if (!active(mode)) {
            mask = null;
            return x;
        }
        Random rng = Nd4j.getRandom();
        rng.setSeed(Seeds.derive(mode.dropoutSeed(), site));
        mask = x.ulike();
        Nd4j.getExecutioner().exec(new BernoulliDistribution(mask, 1.0 - p), rng);
        mask.muli(1.0 / (1.0 - p));
        return x.mul(mask);
    }

    INDArray backward(INDArray dy) {
        if (mask == null) {
            return dy;
        }
        INDArray dx = dy.mul(mask);
        mask = null;
        return dx;
    }
}
