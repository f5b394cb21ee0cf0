package org.instructgpt.train;

import java.nio.FloatBuffer;

/**
 * One trainer's step being summed over its partitions, which must be added in partition order: then the sum has the
 * same bits however the results arrived (collected by a job or read from the driver's exchange).
 */
final class StepSum {
    private static final int BLOCK = 8192;
    private final long step;
    private final float[] gradient;
    private double loss;
    private double weight;
    private double slowest;
    private MetricSums metrics = MetricSums.NONE;
    private int next;
    private boolean hasGradient;

    /**
     * A sum into {@code buffer}, whose contents do not matter: the first partition's gradient is copied into it rather
     * than added to zeros (a pass over the model's size less on the driver, which shares the cores with the tasks).
     */
    StepSum(long step, float[] buffer) {
        this.step = step;
        this.gradient = buffer;
    }

    /** Adds the next partition's loss, weight and metrics; refuses a non-finite one before anything changes. */
    private void addResult(ShardResult r) {
        if (r.partition() != next) {
            throw new IllegalStateException("step " + step + ": partition " + r.partition() + " summed where "
                    + next + " was due");
        }
        if (r.problem() != null) {
            throw new NonFiniteLossException("step " + step + ", partition " + r.partition() + ": " + r.problem()
                    + "; the step was refused and no parameter was changed");
        }
        loss += r.loss();
        weight += r.weight();
        metrics = metrics.plus(r.metrics());
        slowest = Math.max(slowest, r.seconds());
        next++;
    }

    /** Adds that partition's gradient (little-endian floats), after {@link #addResult}. */
    private void addGradient(byte[] g) {
        FloatBuffer f = FloatBytes.view(g);
        if (!hasGradient) {
            f.get(0, gradient);
            hasGradient = true;
            return;
        }
        // A bulk copy per block and a plain loop, which C2 vectorises; reading the view element by element it does
        // not. Each element gets the same float addition either way.
        float[] block = new float[Math.min(BLOCK, gradient.length)];
        for (int from = 0; from < gradient.length; from += BLOCK) {
            int n = Math.min(BLOCK, gradient.length - from);
            f.get(from, block, 0, n);
            for (int i = 0; i < n; i++) {
                gradient[from + i] += block[i];
            }
        }
    }

    /** {@link #addResult} and, if it has one, its gradient. */
    void add(ShardResult r) {
        addResult(r);
        if (r.gradient() != null) {
            addGradient(r.gradient());
        }
    }

    /** The sum of the gradients added (zeros if no partition had one). */
    float[] gradient() {
        if (!hasGradient) {
            java.util.Arrays.fill(gradient, 0f);
            hasGradient = true;
        }
        return gradient;
    }

    double loss() {
        return loss;
    }

    double weight() {
        return weight;
    }

    MetricSums metrics() {
        return metrics;
    }

    /** The slowest partition's compute time. */
    double computeSeconds() {
        return slowest;
    }
}
