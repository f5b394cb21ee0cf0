package org.instructgpt.stats;

import org.apache.commons.math3.stat.interval.ConfidenceInterval;
import org.apache.commons.math3.stat.interval.WilsonScoreInterval;

import java.util.SplittableRandom;

/**
 * 95% intervals. Wilson's score interval (commons-math3) for a share of independent trials. Where the trials come in
 * correlated clusters (the C(K,2) pairs of one prompt; several samples of one prompt) the unit of resampling is the
 * cluster: a percentile bootstrap of the ratio sum(num) / sum(den) over clusters drawn with replacement. Written
 * here because commons-math3 has no bootstrap; seeded, so a report is reproducible.
 */
public final class Intervals {
    /** Resamples of the bootstrap: enough that the percentiles move by well under the interval's width. */
    static final int RESAMPLES = 2000;

    private Intervals() {
    }

    public static Estimate wilson(long successes, long trials) {
        if (trials <= 0) {
            return Estimate.none("wilson");
        }
        ConfidenceInterval ci = new WilsonScoreInterval().createInterval((int) trials, (int) successes, 0.95);
        return new Estimate((double) successes / trials, ci.getLowerBound(), ci.getUpperBound(), trials, "wilson");
    }

    /** sum(num) / sum(den) with clusters (index i) resampled; clusters with den 0 count as drawn but add nothing. */
    public static Estimate clusteredRatio(double[] num, double[] den, long seed) {
        if (num.length != den.length) {
            throw new IllegalArgumentException(num.length + " numerators but " + den.length + " denominators");
        }
        double totalDen = sum(den);
        if (num.length == 0 || totalDen == 0) {
            return Estimate.none("bootstrap");
        }
        double value = sum(num) / totalDen;
        SplittableRandom rng = new SplittableRandom(seed);
        double[] draws = new double[RESAMPLES];
        int m = 0;
        for (int b = 0; b < RESAMPLES; b++) {
            double sn = 0;
            double sd = 0;
            for (int i = 0; i < num.length; i++) {
                int j = rng.nextInt(num.length);
                sn += num[j];
                sd += den[j];
            }
            if (sd > 0) {
                draws[m++] = sn / sd;
            }
        }
        java.util.Arrays.sort(draws, 0, m);
        return new Estimate(value, draws[(int) Math.floor(0.025 * (m - 1))], draws[(int) Math.ceil(0.975 * (m - 1))],
                num.length, "bootstrap");
    }

    /** The mean of independent values (one per prompt), bootstrapped. */
    public static Estimate mean(double[] x, long seed) {
        double[] ones = new double[x.length];
        java.util.Arrays.fill(ones, 1);
        return clusteredRatio(x, ones, seed);
    }

    /** The mean of a - b over paired values (the same prompts under two models), bootstrapped. */
    public static Estimate meanDifference(double[] a, double[] b, long seed) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("paired values need equal lengths: " + a.length + " and " + b.length);
        }
        double[] d = new double[a.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = a[i] - b[i];
        }
        return mean(d, seed);
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }
}
