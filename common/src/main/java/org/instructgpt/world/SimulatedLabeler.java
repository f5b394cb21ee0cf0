package org.instructgpt.world;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A labeler who ranks K responses by sampling around their gold scores (Plackett-Luce: repeatedly pick the next best
 * with probability proportional to exp(score / temperature)). Under Plackett-Luce, response i is ranked above j
 * with probability sigmoid((s_i - s_j) / T), so two independent labelers agree on a pair with probability
 * p^2 + (1 - p)^2; the temperature is chosen to make that agreement match the paper's (about 73%).
 */
public final class SimulatedLabeler implements java.io.Serializable {
    private final double temperature;

    public SimulatedLabeler(double temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("labeler temperature must be positive: " + temperature);
        }
        this.temperature = temperature;
    }

    public double temperature() {
        return temperature;
    }

    /** Ranks (1 = best) of the responses with these gold scores. */
    public int[] rank(double[] scores, SplittableRandom rng) {
        int k = scores.length;
        boolean[] taken = new boolean[k];
        int[] ranks = new int[k];
        for (int r = 1; r <= k; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < k; i++) {
                if (!taken[i]) {
                    max = Math.max(max, scores[i]);
                }
            }
            double total = 0;
            double[] w = new double[k];
            for (int i = 0; i < k; i++) {
                w[i] = taken[i] ? 0 : Math.exp((scores[i] - max) / temperature);
                total += w[i];
            }
            double u = rng.nextDouble() * total;
            int pick = -1;
            for (int i = 0; i < k; i++) {
                if (!taken[i]) {
                    pick = i;
                    u -= w[i];
                    if (u < 0) {
                        break;
                    }
                }
            }
            taken[pick] = true;
            ranks[pick] = r;
        }
        return ranks;
    }

    /**
     * Ranks as {@link #rank} does, except that responses of exactly the same gold score share a rank (the best their
     * group drew), as a labeler marks a tie where the interface allows one, rather than ordering equals at random;
     * ranks are then renumbered 1, 2, ... in order.
     */
    public int[] rankWithTies(double[] scores, SplittableRandom rng) {
        int[] drawn = rank(scores, rng);
        int k = scores.length;
        int[] shared = new int[k];
        for (int i = 0; i < k; i++) {
            shared[i] = drawn[i];
            for (int j = 0; j < k; j++) {
                if (scores[j] == scores[i]) {
                    shared[i] = Math.min(shared[i], drawn[j]);
                }
            }
        }
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            int better = 0;
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            for (int j = 0; j < k; j++) {
                if (shared[j] < shared[i] && seen.add(shared[j])) {
                    better++;
                }
            }
            out[i] = better + 1;
        }
        return out;
    }

    /** The expected share of pairs two labelers at temperature T order the same way. */
    public static double expectedAgreement(List<double[]> scoreSets, double temperature) {
        double sum = 0;
        long pairs = 0;
        for (double[] s : scoreSets) {
            for (int i = 0; i < s.length; i++) {
                for (int j = i + 1; j < s.length; j++) {
                    double p = 1 / (1 + Math.exp(-(s[i] - s[j]) / temperature));
                    sum += p * p + (1 - p) * (1 - p);
                    pairs++;
                }
            }
        }
        return pairs == 0 ? 1 : sum / pairs;
    }

    /** The temperature at which the expected agreement is {@code target} (bisection on log T). */
    public static double calibrate(List<double[]> scoreSets, double target) {
        double lo = Math.log(1e-3);
        double hi = Math.log(1e3);
        if (expectedAgreement(scoreSets, Math.exp(lo)) < target) {
            throw new IllegalArgumentException("even a near-deterministic labeler agrees on fewer than " + target
                    + " of the pairs (too many ties in the gold scores)");
        }
        for (int it = 0; it < 100; it++) {
            double mid = (lo + hi) / 2;
            if (expectedAgreement(scoreSets, Math.exp(mid)) > target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return Math.exp((lo + hi) / 2);
    }

    /** The share of pairs on which two labelers (independent draws) actually agreed. */
    public double measuredAgreement(List<double[]> scoreSets, SplittableRandom rng) {
        long agree = 0;
        long pairs = 0;
        for (double[] s : scoreSets) {
            int[] a = rank(s, rng);
            int[] b = rank(s, rng);
            for (int i = 0; i < s.length; i++) {
                for (int j = i + 1; j < s.length; j++) {
                    agree += (a[i] < a[j]) == (b[i] < b[j]) ? 1 : 0;
                    pairs++;
                }
            }
        }
        return pairs == 0 ? 1 : (double) agree / pairs;
    }
}
