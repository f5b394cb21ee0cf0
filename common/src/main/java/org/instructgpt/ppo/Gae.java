package org.instructgpt.ppo;

/**
 * Generalised advantage estimation (Schulman et al. 2016) over one response: delta_t = r_t + gamma V_{t+1} - V_t
 * (V after the last token is 0: the episode ends), A_t = delta_t + gamma lambda A_{t+1}, and the value targets
 * (returns) A_t + V_t. The paper's setting, as in openai/lm-human-preferences: gamma 1, lambda 0.95.
 */
public final class Gae {
    private Gae() {
    }

    /** Advantages and returns of one response. */
    public record Result(double[] advantages, double[] returns) {
    }

    public static Result of(double[] rewards, double[] values, double gamma, double lambda) {
        int n = rewards.length;
        if (values.length != n) {
            throw new IllegalArgumentException(n + " rewards but " + values.length + " values");
        }
        double[] adv = new double[n];
        double[] ret = new double[n];
        double next = 0;
        for (int t = n - 1; t >= 0; t--) {
            double nextValue = t + 1 < n ? values[t + 1] : 0;
            double delta = rewards[t] + gamma * nextValue - values[t];
            next = delta + gamma * lambda * next;
            adv[t] = next;
            ret[t] = next + values[t];
        }
        return new Result(adv, ret);
    }
}
