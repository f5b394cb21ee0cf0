package org.instructgpt.model.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The LM head's softmax read at given tokens, with its backward: log p(target_i) of the logits divided by a
 * temperature, the optional entropy of each row, and d(loss)/d(logits) from d(loss)/d(log p). Composed from plain
 * ND4J ops because libnd4j's sparse softmax cross-entropy gets the gradient wrong for per-token weights, its
 * {@code logSoftmax(x, dim)} fails and its {@code logSumExp} backprop fails (DESIGN.md 3).
 */
final class LogSoftmaxAtTargets {
    private final int[] targets;
    private final double temperature;
    private INDArray probs;

    LogSoftmaxAtTargets(int[] targets, double temperature) {
        this.targets = targets;
        this.temperature = temperature;
    }

    /** logits [N, V]; fills logProbs (and entropy, when not null) per row; rows with target -1 get 0. */
    void forward(INDArray logits, double[] logProbs, double[] entropy) {
        int n = (int) logits.rows();
        int v = (int) logits.columns();
        if (targets.length != n) {
            throw new IllegalArgumentException("need one target per row: " + targets.length + " for " + n + " rows");
        }
        INDArray z = logits.div(temperature);
        INDArray max = z.max(true, 1);
        INDArray shifted = z.subColumnVector(max);
        INDArray e = Transforms.exp(shifted, true);
        INDArray sum = e.sum(true, 1);
        double[] lse = Transforms.log(sum, true).addi(max).reshape(n).toDoubleVector();
        probs = e.diviColumnVector(sum);
        double[] pz = entropy == null ? null : probs.mul(z).sum(1).toDoubleVector();
        for (int i = 0; i < n; i++) {
            int t = targets[i];
            if (t < 0) {
                continue;
            }
            if (t >= v) {
                throw new IllegalArgumentException("target id " + t + " at row " + i + " is outside the vocabulary of " + v);
            }
            logProbs[i] = z.getDouble(i, t) - lse[i];
            if (entropy != null) {
                entropy[i] = lse[i] - pz[i];
            }
        }
    }

    /** d(loss)/d(logits) = dLogProb_i (onehot(target_i) - p_i) / T, row by row. */
    INDArray backward(double[] dLogProbs) {
        int n = targets.length;
        for (int i = 0; i < n; i++) {
            if (targets[i] < 0 && dLogProbs[i] != 0) {
                throw new IllegalArgumentException("row " + i + " has a log-prob gradient but no target");
            }
        }
        INDArray d = Nd4j.createFromArray(dLogProbs).castTo(probs.dataType()).reshape(n, 1);
        INDArray dLogits = probs.muliColumnVector(d.neg());
        for (int i = 0; i < n; i++) {
            if (targets[i] >= 0) {
                dLogits.putScalar(i, targets[i], dLogits.getDouble(i, targets[i]) + dLogProbs[i]);
            }
        }
        probs = null;
        return dLogits.divi(temperature);
    }
}
