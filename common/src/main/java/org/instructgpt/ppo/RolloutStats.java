package org.instructgpt.ppo;

import java.io.Serializable;
import java.util.List;

/**
 * An iteration's rollouts summed on the executors (times are executor-seconds), one sum per partition, added on the driver in partition order (so
 * the advantage statistics that whiten every minibatch do not depend on which task finished first): episodes,
 * response tokens, scores, KL, entropy, EOS, and the moments of advantages, returns and their residuals.
 */
public record RolloutStats(long episodes, long tokens, double score, double rawScore, double kl, double kl2,
                           double entropy, long eos, double adv, double adv2, double ret, double ret2, double resid, double resid2,
                           double value, double generationSeconds, double scoringSeconds, double gold)
        implements Serializable {
    static final RolloutStats ZERO = new RolloutStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    static RolloutStats of(Rollout r) {
        double adv = 0;
        double adv2 = 0;
        double ret = 0;
        double ret2 = 0;
        double resid = 0;
        double resid2 = 0;
        double value = 0;
        for (int t = 0; t < r.response().length; t++) {
            adv += r.advantages()[t];
            adv2 += r.advantages()[t] * r.advantages()[t];
            ret += r.returns()[t];
            ret2 += r.returns()[t] * r.returns()[t];
            double e = r.returns()[t] - r.values()[t];
            resid += e;
            resid2 += e * e;
            value += r.values()[t];
        }
        return new RolloutStats(1, r.response().length, r.score(), r.rawScore(), r.kl(), r.kl() * r.kl(), r.entropy(),
                r.eos() ? 1 : 0,
                adv, adv2, ret, ret2, resid, resid2, value, r.generationSeconds(), r.scoringSeconds(),
                r.gold());
    }

    RolloutStats plus(RolloutStats o) {
        return new RolloutStats(episodes + o.episodes, tokens + o.tokens, score + o.score, rawScore + o.rawScore,
                kl + o.kl, kl2 + o.kl2, entropy + o.entropy, eos + o.eos, adv + o.adv, adv2 + o.adv2, ret + o.ret, ret2 + o.ret2,
                resid + o.resid, resid2 + o.resid2, value + o.value, generationSeconds + o.generationSeconds,
                scoringSeconds + o.scoringSeconds, gold + o.gold);
    }

    /** One partition's statistics: its episodes' summed in their order (on the executor). */
    static RolloutStats ofRows(List<Rollout> rows) {
        RolloutStats s = ZERO;
        for (Rollout r : rows) {
            s = s.plus(of(r));
        }
        return s;
    }

    /** The partitions' statistics summed in partition order (on the driver). */
    static RolloutStats sum(List<RolloutStats> parts) {
        RolloutStats total = ZERO;
        for (RolloutStats p : parts) {
            total = total.plus(p);
        }
        return total;
    }

    /** The standard error of the mean per-episode KL (its sample estimate is noisy and can dip below zero). */
    public double klStandardError() {
        if (episodes < 2) {
            return Double.POSITIVE_INFINITY;
        }
        double m = kl / episodes;
        return Math.sqrt(Math.max(0, (kl2 / episodes - m * m) * episodes / (episodes - 1)) / episodes);
    }

    public double advantageMean() {
        return adv / tokens;
    }

    public double advantageStd() {
        double m = advantageMean();
        return Math.sqrt(Math.max(0, adv2 / tokens - m * m));
    }

    /** 1 - Var(returns - values) / Var(returns), over the response tokens. */
    public double explainedVariance() {
        double vr = ret2 / tokens - (ret / tokens) * (ret / tokens);
        double ve = resid2 / tokens - (resid / tokens) * (resid / tokens);
        return vr <= 0 ? Double.NaN : 1 - ve / vr;
    }
}
