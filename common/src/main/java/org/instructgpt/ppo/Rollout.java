package org.instructgpt.ppo;

import java.io.Serializable;

/**
 * One episode: a prompt, the policy's response (cut after EOS, which it keeps), and per response token the policy's
 * and the reference's log-probs at the sampling temperature, the value model's estimate, the advantage and the return;
 * the reward model's score (bias included, penalty applied), the summed KL, and the pre-training blocks whose LM loss
 * is mixed into this episode's policy gradient (PPO-ptx); and its share of its batch's generation and scoring time.
 */
public record Rollout(String promptId, int[] prompt, int[] response, double[] logProbs, double[] refLogProbs,
                      double[] values, double[] advantages, double[] returns, double score, double rawScore,
                      boolean eos, double entropy, int[][] ptx, String promptText, String responseText,
                      double generationSeconds, double scoringSeconds, double gold)
        implements Serializable {
    public Rollout {
        int n = response.length;
        if (n == 0 || logProbs.length != n || refLogProbs.length != n || values.length != n || advantages.length != n
                || returns.length != n) {
            throw new IllegalArgumentException("a rollout needs at least one response token and one of each per token");
        }
    }

    /** sum_t (log pi - log pi_ref): the sampled estimate of KL(pi || pi_ref) for this episode. */
    public double kl() {
        double s = 0;
        for (int t = 0; t < response.length; t++) {
            s += logProbs[t] - refLogProbs[t];
        }
        return s;
    }
}
