package org.instructgpt.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Global gradient-norm clipping as {@code torch.nn.utils.clip_grad_norm_} does it. */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** Scales {@code grad} in place so its L2 norm is at most {@code maxNorm}; returns the norm before clipping. */
    public static double clipGlobalNorm(INDArray grad, double maxNorm) {
        double norm = grad.norm2Number().doubleValue();
        float coef = scale(norm, maxNorm);
        if (coef < 1) {
            grad.muli(coef);
        }
        return norm;
    }

    /** What a gradient of L2 norm {@code norm} is multiplied by: 1, or less where the norm exceeds {@code maxNorm}. */
    public static float scale(double norm, double maxNorm) {
        double coef = maxNorm / (norm + 1e-6);
        return coef < 1 ? (float) coef : 1f;
    }
}
