package org.instructgpt.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** The residual additions of a block, fused where {@link FusedKernels} allow (one op call saved per add). */
final class Residual {
    private Residual() {
    }

    /** A new array x + y. */
    static INDArray add(INDArray x, INDArray y) {
        if (FusedKernels.applicable(x, y)) {
            INDArray out = x.ulike();
            VectorKernels.add(x, y, out);
            return out;
        }
        return x.add(y);
    }

    /** x += y; returns x. */
    static INDArray addInPlace(INDArray x, INDArray y) {
        if (FusedKernels.applicable(x, y)) {
            VectorKernels.add(x, y, x);
            return x;
        }
        return x.addi(y);
    }
}
