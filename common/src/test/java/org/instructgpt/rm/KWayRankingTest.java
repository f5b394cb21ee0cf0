package org.instructgpt.rm;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The K-way loss against the brute-force sum over pairs, its gradient against finite differences. */
class KWayRankingTest {
    private static final double[] SCORES = {0.3, -1.2, 2.0, 0.7, -0.1};
    /** Ranks with a tie (responses 1 and 3 share rank 2), so C(5,2) = 10 pairs less the tied one: 9 ranked pairs. */
    private static final int[] RANKS = {1, 2, 4, 2, 5};

    @Test
    void lossIsTheMeanOverRankedPairsOfMinusLogSigmoidOfTheMargin() {
        double sum = 0;
        int pairs = 0;
        int correct = 0;
        for (int i = 0; i < SCORES.length; i++) {
            for (int j = 0; j < SCORES.length; j++) {
                if (RANKS[i] < RANKS[j]) {
                    sum += -Math.log(1 / (1 + Math.exp(-(SCORES[i] - SCORES[j]))));
                    pairs++;
                    correct += SCORES[i] > SCORES[j] ? 1 : 0;
                }
            }
        }
        KWayRanking.Result r = KWayRanking.of(SCORES, RANKS);
        assertEquals(9, pairs);
        assertEquals(pairs, r.pairs());
        assertEquals(correct, r.correct());
        assertEquals(sum / pairs, r.loss(), 1e-12);
    }

    /** One K-way element gives the gradient of its pairs, each as a K = 2 element, weighted 1/P. */
    @Test
    void aKWayElementIsItsPairsWeightedOneOverP() {
        KWayRanking.Result r = KWayRanking.of(SCORES, RANKS);
        double[] fromPairs = new double[SCORES.length];
        double loss = 0;
        for (int i = 0; i < SCORES.length; i++) {
            for (int j = 0; j < SCORES.length; j++) {
                if (RANKS[i] < RANKS[j]) {
                    KWayRanking.Result pair = KWayRanking.of(new double[]{SCORES[i], SCORES[j]}, new int[]{1, 2});
                    fromPairs[i] += pair.dScores()[0] / r.pairs();
                    fromPairs[j] += pair.dScores()[1] / r.pairs();
                    loss += pair.loss() / r.pairs();
                }
            }
        }
        assertEquals(loss, r.loss(), 1e-12);
        for (int i = 0; i < SCORES.length; i++) {
            assertEquals(fromPairs[i], r.dScores()[i], 1e-12, "response " + i);
        }
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        SplittableRandom rng = new SplittableRandom(3);
        for (int trial = 0; trial < 20; trial++) {
            int k = 2 + rng.nextInt(8);
            double[] s = new double[k];
            int[] ranks = new int[k];
            for (int i = 0; i < k; i++) {
                s[i] = rng.nextGaussian() * 3;
                ranks[i] = 1 + rng.nextInt(k);
            }
            ranks[0] = 1;
            ranks[k - 1] = k;
            KWayRanking.Result r = KWayRanking.of(s, ranks);
            for (int i = 0; i < k; i++) {
                double orig = s[i];
                s[i] = orig + 1e-6;
                double up = KWayRanking.of(s, ranks).loss();
                s[i] = orig - 1e-6;
                double down = KWayRanking.of(s, ranks).loss();
                s[i] = orig;
                assertEquals((up - down) / 2e-6, r.dScores()[i], 1e-7, "K=" + k + " response " + i);
            }
        }
    }

    @Test
    void tiesAreSkippedAndAllTiedHasNoPairs() {
        KWayRanking.Result tied = KWayRanking.of(new double[]{1, 2, 3}, new int[]{1, 1, 1});
        assertEquals(0, tied.pairs());
        assertEquals(0.0, tied.loss());
        assertArrayEquals(new double[3], tied.dScores());
        // Large margins stay finite (softplus, not log(sigmoid)).
        KWayRanking.Result far = KWayRanking.of(new double[]{-800, 800}, new int[]{1, 2});
        assertEquals(1600, far.loss(), 1e-9);
        assertEquals(0, far.correct());
    }
}
