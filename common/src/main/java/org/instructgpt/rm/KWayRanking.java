package org.instructgpt.rm;

/**
 * The paper's reward-model loss for one prompt with K ranked responses: -1/P * sum over the P ranked pairs (winner w,
 * loser l; ties skipped) of log sigmoid(r_w - r_l), from the K scores of one forward each. The paper's reason for one
 * element per prompt rather than per pair: per-pair batches overfit within an epoch and cost K forwards per pair.
 */
public final class KWayRanking {
    private KWayRanking() {
    }

    /**
     * The loss, d(loss)/d(score) for each response, and the counts behind the metrics: ranked pairs, pairs the scores
     * order as the ranks do, and the sum of r_w - r_l.
     */
    public record Result(double[] scores, double loss, double[] dScores, int pairs, int correct, double marginSum) {
    }

    public static Result of(double[] scores, int[] ranks) {
        int k = scores.length;
        if (ranks.length != k) {
            throw new IllegalArgumentException("need one rank per score: " + ranks.length + " for " + k);
        }
        int pairs = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                pairs += ranks[i] < ranks[j] ? 1 : 0;
            }
        }
        double[] d = new double[k];
        if (pairs == 0) {
            return new Result(scores, 0, d, 0, 0, 0);
        }
        double loss = 0;
        int correct = 0;
        double margin = 0;
        for (int w = 0; w < k; w++) {
            for (int l = 0; l < k; l++) {
                if (ranks[w] >= ranks[l]) {
                    continue;
                }
                double delta = scores[w] - scores[l];
                loss += softplus(-delta);
                // d/d(delta) of -log sigmoid(delta) = -sigmoid(-delta)
                double g = sigmoid(-delta) / pairs;
                d[w] -= g;
                d[l] += g;
                correct += delta > 0 ? 1 : 0;
                margin += delta;
            }
        }
        return new Result(scores, loss / pairs, d, pairs, correct, margin);
    }

    /** log(1 + exp(x)) without overflow. */
    static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }
}
