package org.instructgpt.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses one token from a row of logits: greedy, or temperature with optional top-k and top-p (nucleus) filtering in
 * Hugging Face's order (temperature, then top-k, then top-p over the distribution renormalised to the top k).
 */
final class TokenSampler {
    private final SamplingConfig cfg;

    TokenSampler(SamplingConfig cfg) {
        this.cfg = cfg;
    }

    /** The chosen token and its log-probability under softmax(logits / temperature). */
    record Choice(int token, double logProb) {
    }

    Choice choose(double[] logits, int from, int vocab, SplittableRandom rng) {
        double t = cfg.isGreedy() ? 1.0 : cfg.temperature();
        double max = Double.NEGATIVE_INFINITY;
        int argmax = 0;
        for (int i = 0; i < vocab; i++) {
            double v = logits[from + i];
            if (v > max) {
                max = v;
                argmax = i;
            }
        }
        double[] p = new double[vocab];
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = StrictMath.exp((logits[from + i] - max) / t);
            sum += p[i];
        }
        double logSum = StrictMath.log(sum);
        int token;
        if (cfg.isGreedy()) {
            token = argmax;
        } else {
            token = sampleFiltered(p, sum, rng);
        }
        double logProb = (logits[from + token] - max) / t - logSum;
        return new Choice(token, logProb);
    }

    /** p holds unnormalised probabilities; filters top-k and top-p, then draws with one uniform. */
    private int sampleFiltered(double[] p, double sum, SplittableRandom rng) {
        int v = p.length;
        double u = rng.nextDouble();
        boolean topK = cfg.topK() > 0 && cfg.topK() < v;
        boolean topP = cfg.topP() < 1.0;
        if (!topK && !topP) {
            double target = u * sum;
            double acc = 0;
            for (int i = 0; i < v; i++) {
                acc += p[i];
                if (acc > target) {
                    return i;
                }
            }
            return lastNonZero(p);
        }
        // Order by probability, highest first; ties by token id so the order is deterministic.
        Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        int keep = topK ? cfg.topK() : v;
        if (topP) {
            double inTopK = 0;
            for (int i = 0; i < keep; i++) {
                inTopK += p[order[i]];
            }
            double acc = 0;
            for (int i = 0; i < keep; i++) {
                acc += p[order[i]] / inTopK;
                if (acc >= cfg.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        double kept = 0;
        for (int i = 0; i < keep; i++) {
            kept += p[order[i]];
        }
        double target = u * kept;
        double acc = 0;
        for (int i = 0; i < keep; i++) {
            acc += p[order[i]];
            if (acc > target) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    private static int lastNonZero(double[] p) {
        for (int i = p.length - 1; i >= 0; i--) {
            if (p[i] > 0) {
                return i;
            }
        }
        return 0;
    }
}
