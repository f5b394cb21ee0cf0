package org.instructgpt.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Causal-LM cross-entropy with a weight per token: loss = sum_i w_i * (-log p(target_i)) / normalizer. A weight of 0
 * drops a token (padding, or the prompt in SFT). Written by hand because libnd4j's sparse softmax cross-entropy gets
 * the gradient wrong for non-uniform weights.
 */
public final class TokenCrossEntropy {
    private TokenCrossEntropy() {
    }

    /** The loss and dLoss/dLogits. */
    public record Result(double loss, double weightSum, INDArray dLogits) {
    }

    /**
     * @param logits     [N, V]; overwritten by the gradient when {@code inPlace}
     * @param targets    N target ids (ignored where the weight is 0)
     * @param weights    N weights
     * @param normalizer divides the weighted sum (for example the number of predicted tokens in the global batch)
     */
    public static Result lossAndGradient(INDArray logits, int[] targets, float[] weights, double normalizer, boolean inPlace) {
        int n = (int) logits.rows();
        int v = (int) logits.columns();
        if (targets.length != n || weights.length != n) {
            throw new IllegalArgumentException("targets and weights must have " + n + " entries");
        }
        INDArray grad = inPlace ? logits : logits.dup();
        double[] targetLogits = new double[n];
        for (int i = 0; i < n; i++) {
            if (weights[i] == 0) {
                continue;
            }
            if (targets[i] < 0 || targets[i] >= v) {
                throw new IllegalArgumentException("target id " + targets[i] + " at row " + i + " is outside the vocabulary of " + v);
            }
            targetLogits[i] = logits.getDouble(i, targets[i]);
        }
        double[] logZ;
        if (FusedKernels.applicable(grad)) {
            logZ = VectorKernels.softmaxRows(grad);
        } else {
            logZ = logSumExp(grad).toDoubleVector();
            Nd4j.exec(new SoftMax(grad, grad, 1));
        }
        double loss = 0;
        double wsum = 0;
        for (int i = 0; i < n; i++) {
            loss += weights[i] * (logZ[i] - targetLogits[i]);
            wsum += weights[i];
        }
        double[] scale = new double[n];
        for (int i = 0; i < n; i++) {
            scale[i] = weights[i] / normalizer;
        }
        grad.muliColumnVector(Nd4j.createFromArray(scale).castTo(grad.dataType()).reshape(n, 1));
        for (int i = 0; i < n; i++) {
            if (weights[i] != 0) {
                grad.putScalar(i, targets[i], grad.getDouble(i, targets[i]) - scale[i]);
            }
        }
        return new Result(loss / normalizer, wsum, grad);
    }

    /** Row-wise log-sum-exp, stable: max + log(sum(exp(x - max))). */
    public static INDArray logSumExp(INDArray logits) {
        INDArray max = logits.max(true, 1);
        INDArray sum = Transforms.exp(logits.subColumnVector(max), false).sum(true, 1);
        return Transforms.log(sum, false).addi(max).reshape(logits.rows());
    }

    /** log p(target_i) for each row (log-softmax read at the targets). */
    public static double[] logProbs(INDArray logits, int[] targets) {
        INDArray logZ = logSumExp(logits);
        double[] out = new double[targets.length];
        for (int i = 0; i < targets.length; i++) {
            out[i] = logits.getDouble(i, targets[i]) - logZ.getDouble(i);
        }
        return out;
    }
}
