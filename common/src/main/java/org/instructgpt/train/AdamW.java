package org.instructgpt.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * AdamW (Loshchilov and Hutter) with decoupled weight decay and bias correction, as {@code torch.optim.AdamW}
 * computes it, on flat parameter buffers. A decay mask (1 = decay) lets biases and LayerNorm gains go undecayed.
 */
public final class AdamW {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final INDArray decayMask;
    private final INDArray m;
    private final INDArray v;
    private final INDArray scratch;
    private long step;

    /** @param decayMask 1 where weight decay applies, 0 elsewhere; null decays everything */
    public AdamW(INDArray params, double beta1, double beta2, double eps, double weightDecay, INDArray decayMask) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decayMask = decayMask;
        this.m = params.ulike().assign(0);
        this.v = params.ulike().assign(0);
        this.scratch = params.ulike();
    }

    /**
     * Applies one update with learning rate {@code lr} to {@code params} given {@code grad} (left unchanged).
     * Works in place with one scratch buffer: temporaries of the model's size would cost more than the arithmetic.
     */
    public void step(INDArray params, INDArray grad, double lr) {
        step++;
        INDArray s = scratch;
        if (weightDecay != 0) {
            if (decayMask == null) {
                params.muli(1 - lr * weightDecay);
            } else {
                params.subi(s.assign(decayMask).muli(params).muli(lr * weightDecay));
            }
        }
        m.muli(beta1).addi(s.assign(grad).muli(1 - beta1));
        v.muli(beta2).addi(s.assign(grad).muli(grad).muli(1 - beta2));
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        Transforms.sqrt(s.assign(v), false).divi(Math.sqrt(bc2)).addi(eps);
        params.subi(s.rdivi(m).muli(lr / bc1));
    }

    public long stepCount() {
        return step;
    }

    public INDArray firstMoment() {
        return m;
    }

    public INDArray secondMoment() {
        return v;
    }

    /** Restores the moments and step count from a checkpoint. */
    public void restore(INDArray firstMoment, INDArray secondMoment, long stepCount) {
        m.assign(firstMoment);
        v.assign(secondMoment);
        step = stepCount;
    }
}
