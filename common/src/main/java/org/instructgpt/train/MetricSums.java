package org.instructgpt.train;

import java.io.Serializable;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Named metrics of a stage's objective, kept as (sum, count) so that partitions and micro-batches add up exactly and
 * the mean is taken once, on the driver: pairwise accuracy and margin for the reward model, clip fractions and KL for
 * PPO. Immutable; {@link #plus} merges.
 */
public final class MetricSums implements Serializable {
    public static final MetricSums NONE = new MetricSums(new TreeMap<>());

    private final TreeMap<String, double[]> sums;

    private MetricSums(TreeMap<String, double[]> sums) {
        this.sums = sums;
    }

    /** A builder-style copy with {@code sum} over {@code count} items added to {@code name}. */
    public MetricSums add(String name, double sum, double count) {
        TreeMap<String, double[]> m = copy();
        double[] v = m.computeIfAbsent(name, k -> new double[2]);
        v[0] += sum;
        v[1] += count;
        return new MetricSums(m);
    }

    public MetricSums plus(MetricSums o) {
        if (o == null || o.sums.isEmpty()) {
            return this;
        }
        TreeMap<String, double[]> m = copy();
        for (Map.Entry<String, double[]> e : o.sums.entrySet()) {
            double[] v = m.computeIfAbsent(e.getKey(), k -> new double[2]);
            v[0] += e.getValue()[0];
            v[1] += e.getValue()[1];
        }
        return new MetricSums(m);
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(sums.keySet());
    }

    /** sum / count of a metric; NaN when it has no items. */
    public double mean(String name) {
        double[] v = sums.get(name);
        return v == null || v[1] == 0 ? Double.NaN : v[0] / v[1];
    }

    public double count(String name) {
        double[] v = sums.get(name);
        return v == null ? 0 : v[1];
    }

    private TreeMap<String, double[]> copy() {
        TreeMap<String, double[]> m = new TreeMap<>();
        sums.forEach((k, v) -> m.put(k, v.clone()));
        return m;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (String n : sums.keySet()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(n).append(' ').append(String.format("%.4f", mean(n)));
        }
        return sb.toString();
    }
}
