package org.instructgpt.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Global gradient-norm clipping as {@code torch.nn.utils.clip_grad_norm_} does it. */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** Scales {@code grad} in place so its L2 norm is at most {@code maxNorm}; returns the norm before clipping. */
    public static double clipGlobalNorm(INDArray grad, double maxNorm) {
        double norm = grad.norm2Number().doubleValue();
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            grad.muli(coef);
        }
        return norm;
    }
}
