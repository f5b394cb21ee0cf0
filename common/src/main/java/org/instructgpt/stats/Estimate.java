package org.instructgpt.stats;

import java.io.Serializable;

/**
 * A measured quantity with its 95% interval, the number of independent units it was measured on (prompts, pairs)
 * and how the interval was made ({@code wilson}, {@code bootstrap}).
 */
public record Estimate(double value, double low, double high, long n, String method) implements Serializable {
    public static Estimate none(String method) {
        return new Estimate(Double.NaN, Double.NaN, Double.NaN, 0, method);
    }

    /** Whether the interval lies wholly above {@code x}. */
    public boolean above(double x) {
        return low > x;
    }

    @Override
    public String toString() {
        return n == 0 ? "n/a" : String.format("%.3f [%.3f, %.3f]", value, low, high);
    }
}
