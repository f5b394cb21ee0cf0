package org.instructgpt.rm;

import org.instructgpt.data.Batches;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.ModelInput;
import org.instructgpt.model.ScalarHead;
import org.instructgpt.train.MetricSums;
import org.instructgpt.train.TrainingObjective;

import java.util.ArrayList;
import java.util.List;

/**
 * The reward model's objective: every response of every prompt in a micro-batch forwarded once in one batch, scored
 * at its last real token, and {@link KWayRanking}'s loss per prompt; the weight is the number of prompts (so the
 * trainer averages over comparisons). Metrics, with the names users know: pairwise {@code accuracy} and mean
 * {@code margin} (r_w - r_l), overall and per K ({@code accuracy_k4}, ...).
 */
public final class PairwiseRankingLoss implements TrainingObjective<RankedExample> {
    private final int padId;

    public PairwiseRankingLoss(int padId) {
        this.padId = padId;
    }

    @Override
    public LossSum accumulate(Gpt2Model model, List<RankedExample> micro, ForwardMode mode) {
        ModelInput in = batch(micro);
        List<KWayRanking.Result> results = new ArrayList<>();
        ScalarHead.forwardBackward(model, in, mode, scores -> {
            double[] d = new double[scores.length];
            int at = 0;
            for (RankedExample e : micro) {
                KWayRanking.Result r = KWayRanking.of(slice(scores, at, e.k()), e.ranks());
                System.arraycopy(r.dScores(), 0, d, at, e.k());
                results.add(r);
                at += e.k();
            }
            return d;
        });
        return sum(micro, results);
    }

    @Override
    public String unit() {
        return "comparisons";
    }

    @Override
    public LossSum evaluate(Gpt2Model model, List<RankedExample> micro) {
        double[] scores = ScalarHead.scores(model, batch(micro));
        List<KWayRanking.Result> results = new ArrayList<>();
        int at = 0;
        for (RankedExample e : micro) {
            results.add(KWayRanking.of(slice(scores, at, e.k()), e.ranks()));
            at += e.k();
        }
        return sum(micro, results);
    }

    /** All responses of the micro-batch, right-padded into one batch, prompt by prompt. */
    private ModelInput batch(List<RankedExample> micro) {
        List<TokenizedExample> seqs = new ArrayList<>();
        for (RankedExample e : micro) {
            for (int[] s : e.sequences()) {
                seqs.add(new TokenizedExample(s, new float[s.length], false));
            }
        }
        return Batches.rightPadded(seqs, padId).input();
    }

    private static double[] slice(double[] a, int from, int n) {
        double[] s = new double[n];
        System.arraycopy(a, from, s, 0, n);
        return s;
    }

    /** Pairs whose gold scores differ, and how many of them the reward model orders as the gold judge does. */
    private static MetricSums goldAccuracy(MetricSums m, double[] scores, double[] gold) {
        int[] pairsAgree = RmQuality.agreement(gold, scores);
        return pairsAgree[0] == 0 ? m : m.add("gold_accuracy", pairsAgree[1], pairsAgree[0]);
    }

    private static LossSum sum(List<RankedExample> micro, List<KWayRanking.Result> results) {
        double loss = 0;
        double weight = 0;
        MetricSums m = MetricSums.NONE;
        for (int i = 0; i < results.size(); i++) {
            KWayRanking.Result r = results.get(i);
            if (r.pairs() == 0) {
                continue;
            }
            loss += r.loss();
            weight += 1;
            int k = micro.get(i).k();
            m = m.add("accuracy", r.correct(), r.pairs()).add("margin", r.marginSum(), r.pairs())
                    .add("accuracy_k" + k, r.correct(), r.pairs());
            double[] gold = micro.get(i).gold();
            if (gold != null) {
                m = goldAccuracy(m, r.scores(), gold);
            }
        }
        return new LossSum(loss, weight, m);
    }

    @Override
    public int paddedLength(RankedExample example) {
        int longest = 0;
        for (int[] seq : example.sequences()) {
            longest = Math.max(longest, seq.length);
        }
        return longest;
    }
}
