package org.instructgpt.ppo;

import java.io.Serializable;

/**
 * The coefficient beta of the per-token KL penalty. Fixed (the paper: 0.02), or adaptive as in
 * openai/lm-human-preferences (Ziegler et al. 2019): after each batch of {@code n} episodes whose mean KL was
 * {@code kl}, error = clip(kl / target - 1, -0.2, 0.2) and beta *= 1 + error * n / horizon.
 */
public final class KlController implements Serializable {
    private final boolean adaptive;
    private final double target;
    private final double horizon;
    private double value;

    private KlController(double initial, boolean adaptive, double target, double horizon) {
        if (!(initial >= 0)) {
            throw new IllegalArgumentException("the KL coefficient must be >= 0, got " + initial);
        }
        if (adaptive && !(target > 0 && horizon > 0)) {
            throw new IllegalArgumentException("an adaptive KL controller needs target > 0 and horizon > 0");
        }
        this.value = initial;
        this.adaptive = adaptive;
        this.target = target;
        this.horizon = horizon;
    }

    public static KlController fixed(double beta) {
        return new KlController(beta, false, 0, 0);
    }

    public static KlController adaptive(double initial, double target, double horizon) {
        return new KlController(initial, true, target, horizon);
    }

    public double value() {
        return value;
    }

    public boolean isAdaptive() {
        return adaptive;
    }

    /** Continues from a checkpoint. */
    public void restore(double v) {
        value = v;
    }

    public void update(double kl, long episodes) {
        if (!adaptive) {
            return;
        }
        double error = Math.max(-0.2, Math.min(0.2, kl / target - 1));
        value *= 1 + error * episodes / horizon;
    }
}
