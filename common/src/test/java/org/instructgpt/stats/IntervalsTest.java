package org.instructgpt.stats;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IntervalsTest {
    /** Wilson's score interval written out from its formula, to hold the library's to. */
    private static double[] wilsonByHand(double k, double n) {
        double z = 1.959963984540054;
        double p = k / n;
        double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
        double half = z / (1 + z * z / n) * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n));
        return new double[]{centre - half, centre + half};
    }

    @Test
    void wilsonMatchesItsFormula() {
        for (long[] kn : new long[][]{{81, 263}, {0, 10}, {10, 10}, {730, 1000}}) {
            Estimate e = Intervals.wilson(kn[0], kn[1]);
            double[] w = wilsonByHand(kn[0], kn[1]);
            assertEquals(w[0], e.low(), 1e-9);
            assertEquals(w[1], e.high(), 1e-9);
            assertEquals((double) kn[0] / kn[1], e.value(), 0);
        }
        assertEquals(0, Intervals.wilson(0, 0).n());
    }

    @Test
    void theBootstrapOfIndependentTrialsAgreesWithWilson() {
        SplittableRandom r = new SplittableRandom(3);
        double[] x = new double[1000];
        int k = 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble() < 0.3 ? 1 : 0;
            k += (int) x[i];
        }
        Estimate b = Intervals.mean(x, 7);
        Estimate w = Intervals.wilson(k, x.length);
        assertEquals(w.value(), b.value(), 1e-12);
        assertEquals(w.low(), b.low(), 0.01);
        assertEquals(w.high(), b.high(), 0.01);
        assertEquals(b, Intervals.mean(x, 7), "the same seed, the same interval");
    }

    @Test
    void correlatedPairsOfOnePromptWidenTheInterval() {
        // 100 prompts of 6 pairs each: a prompt's pairs are all right or all wrong, so there are 100 independent
        // units, not 600; the interval must be about as wide as 100 trials', not 600's.
        double[] num = new double[100];
        double[] den = new double[100];
        for (int i = 0; i < 100; i++) {
            den[i] = 6;
            num[i] = i % 2 == 0 ? 6 : 0;
        }
        Estimate clustered = Intervals.clusteredRatio(num, den, 1);
        Estimate asIfIndependent = Intervals.wilson(300, 600);
        Estimate hundred = Intervals.wilson(50, 100);
        assertEquals(0.5, clustered.value(), 1e-12);
        double width = clustered.high() - clustered.low();
        assertTrue(width > 1.8 * (asIfIndependent.high() - asIfIndependent.low()), clustered + " vs " + asIfIndependent);
        assertEquals(hundred.high() - hundred.low(), width, 0.03);
    }

    @Test
    void pairedDifferencesAndEmptyInput() {
        double[] a = {1, 2, 3, 4, 5, 6, 7, 8};
        double[] b = {0, 1, 2, 3, 4, 5, 6, 7};
        Estimate d = Intervals.meanDifference(a, b, 2);
        assertEquals(1.0, d.value(), 1e-12);
        assertEquals(1.0, d.low(), 1e-12);
        assertEquals(1.0, d.high(), 1e-12);
        assertTrue(d.above(0.5));
        assertTrue(Double.isNaN(Intervals.mean(new double[0], 1).value()));
    }
}
