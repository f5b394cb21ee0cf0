package org.instructgpt.eval;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.instructgpt.stats.Estimate;
import org.instructgpt.stats.Intervals;


/**
 * A policy against a baseline on the same prompts, by one judge's per-prompt scores: each one's mean, the mean paired
 * difference, and the win rate (the policy's prompt mean above the baseline's: 1, equal: 1/2, below: 0), each with
 * a 95% bootstrap interval over prompts.
 */
public record Comparison(@JsonProperty("prompts") long prompts, @JsonProperty("policy") Estimate policy,
                         @JsonProperty("baseline") Estimate baseline, @JsonProperty("difference") Estimate difference,
                         @JsonProperty("win_rate") Estimate winRate) {

    /** policy[i] and baseline[i] are prompt i's scores. */
    public static Comparison of(double[] policy, double[] baseline, long seed) {
        double[] wins = new double[policy.length];
        for (int i = 0; i < wins.length; i++) {
            wins[i] = policy[i] > baseline[i] ? 1 : policy[i] == baseline[i] ? 0.5 : 0;
        }
        return new Comparison(policy.length, Intervals.mean(policy, seed), Intervals.mean(baseline, seed + 1),
                Intervals.meanDifference(policy, baseline, seed + 2), Intervals.mean(wins, seed + 3));
    }
}
