package org.instructgpt.model.cpu;

import java.util.Arrays;

/**
 * The array engine's LM head softmax read at target tokens, and its backward. The forward leaves each target row's
 * logits as exp(z - max) with z = logits / T and keeps the row sums, so the backward forms the softmax with one
 * scaling pass per row (the same number of passes over the [n, vocab] logits as a fused cross-entropy).
 */
final class ArrayHeads {
    private ArrayHeads() {
    }

    /** What the forward keeps for the backward. */
    record Softmax(int[] targets, float temperature, float[] sums) {
    }

    /** Fills logProbs (and entropy, when not null) for rows with a target; returns what the backward needs. */
    static Softmax logSoftmaxAtTargets(float[] logits, int n, int vocab, int[] targets, double temperature,
                                       double[] logProbs, double[] entropy) {
        if (targets.length != n) {
            throw new IllegalArgumentException("need one target per row: " + targets.length + " for " + n + " rows");
        }
        float invT = (float) (1.0 / temperature);
        float[] sums = new float[n];
        for (int i = 0; i < n; i++) {
            int tg = targets[i];
            if (tg < 0) {
                continue;
            }
            if (tg >= vocab) {
                throw new IllegalArgumentException("target id " + tg + " at row " + i + " is outside the vocabulary of " + vocab);
            }
            int at = i * vocab;
            if (invT != 1f) {
                ArrayKernels.scale(logits, at, vocab, invT);
            }
            float max = ArrayKernels.max(logits, at, vocab);
            float target = logits[at + tg];
            float dot = entropy == null ? 0f : ArrayKernels.expShiftedDot(logits, at, vocab, max);
            float sum = ArrayKernels.expShifted(logits, at, vocab, max);
            sums[i] = sum;
            double logSum = Math.log(sum);
            logProbs[i] = (double) target - max - logSum;
            if (entropy != null) {
                entropy[i] = logSum - dot / (double) sum;
            }
        }
        return new Softmax(targets, (float) temperature, sums);
    }

    /** In place: the forward's exp rows become d(loss)/d(logits) = dLogProb (onehot - p) / T; other rows 0. */
    static void backward(Softmax s, float[] logits, int n, int vocab, double[] dLogProbs) {
        for (int i = 0; i < n; i++) {
            int at = i * vocab;
            int tg = s.targets()[i];
            if (tg < 0) {
                if (dLogProbs[i] != 0) {
                    throw new IllegalArgumentException("row " + i + " has a log-prob gradient but no target");
                }
                Arrays.fill(logits, at, at + vocab, 0f);
                continue;
            }
            double g = dLogProbs[i] / s.temperature();
            ArrayKernels.scale(logits, at, vocab, (float) (-g / s.sums()[i]));
            logits[at + tg] += (float) g;
        }
    }
}
