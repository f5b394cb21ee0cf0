package org.instructgpt.model.nd4j;

import org.instructgpt.model.DropoutMask;
import org.instructgpt.model.ForwardMode;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inverted dropout with a mask drawn from a seed that the caller derives from (seed, step, partition, micro-batch),
 * so a retried task draws the same mask ({@link DropoutMask}, the array-based training pass draws the same). libnd4j's
 * dropout ops have no gradient, hence the explicit mask.
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
        float[] keep = DropoutMask.draw(mode.dropoutSeed(), site, (int) x.length(), p);
        mask = Nd4j.createFromArray(keep).castTo(x.dataType()).reshape(x.shape()).muli(1.0 / (1.0 - p));
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
