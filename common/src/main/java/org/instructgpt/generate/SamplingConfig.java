package org.instructgpt.generate;

/**
 * How tokens are chosen. Temperature 0 means greedy. top-k 0 and top-p 1 switch those filters off.
 * Log-probabilities are always those of the temperature-scaled, unfiltered distribution (what PPO's ratio needs).
 */
public record SamplingConfig(int maxNewTokens, double temperature, int topK, double topP) implements java.io.Serializable {
    public SamplingConfig {
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException("max new tokens must be positive, got " + maxNewTokens);
        }
        if (temperature < 0) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
    }

    public static SamplingConfig greedy(int maxNewTokens) {
        return new SamplingConfig(maxNewTokens, 0, 0, 1);
    }

    public static SamplingConfig sample(int maxNewTokens, double temperature) {
        return new SamplingConfig(maxNewTokens, temperature, 0, 1);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
