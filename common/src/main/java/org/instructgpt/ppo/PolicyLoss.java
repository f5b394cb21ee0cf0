package org.instructgpt.ppo;

import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.GptEngine;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.LanguageModelLoss;
import org.instructgpt.model.ModelInput;
import org.instructgpt.model.PassOutput;
import org.instructgpt.model.PassRequest;
import org.instructgpt.train.MetricSums;
import org.instructgpt.train.TrainingObjective;

import java.util.ArrayList;
import java.util.List;

/**
 * The policy's PPO-ptx objective on a micro-batch of episodes. Per response token, with ratio r = exp(log pi -
 * log pi_old) at the sampling temperature and the advantage A whitened with the iteration's global mean and
 * standard deviation: max(-A r, -A clip(r, 1 - eps, 1 + eps)), averaged over the episode's tokens; each episode
 * weighs 1, so the trainer averages over episodes. Plus gamma times the LM loss on the episode's pre-training blocks
 * (averaged over their tokens), in the same backward (the paper's PPO-ptx). Metrics with TRL's names.
 */
public final class PolicyLoss implements TrainingObjective<Rollout> {
    private final int padId;
    private final double temperature;
    private final double clip;
    private final double advantageMean;
    private final double advantageStd;
    private final double ptxCoef;

    /** @param advantageStd 0 or less: advantages are used as they are (no whitening) */
    public PolicyLoss(int padId, double temperature, double clip, double advantageMean, double advantageStd,
                      double ptxCoef) {
        this.padId = padId;
        this.temperature = temperature;
        this.clip = clip;
        this.advantageMean = advantageMean;
        this.advantageStd = advantageStd;
        this.ptxCoef = ptxCoef;
    }

    @Override
    public String unit() {
        return "episodes";
    }

    private double advantage(double a) {
        return advantageStd > 0 ? (a - advantageMean) / advantageStd : a;
    }

    @Override
    public LossSum accumulate(Gpt2Model model, List<Rollout> micro, ForwardMode mode) {
        RolloutBatch b = RolloutBatch.of(micro, padId);
        MetricSums[] metrics = {MetricSums.NONE};
        double[] loss = {0};
        model.forwardBackward(b.input(), new PassRequest(b.targets(), temperature, false, false), mode, out -> {
            double[] d = new double[out.logProbs().length];
            Terms t = terms(micro, b, out, d);
            loss[0] = t.loss();
            metrics[0] = t.metrics();
            return new GptEngine.OutputGradient(d, null);
        });
        return ptx(model, micro, mode, new LossSum(loss[0], micro.size(), metrics[0]));
    }

    @Override
    public LossSum evaluate(Gpt2Model model, List<Rollout> micro) {
        RolloutBatch b = RolloutBatch.of(micro, padId);
        PassOutput out = model.forward(b.input(), new PassRequest(b.targets(), temperature, false, false), ForwardMode.EVAL);
        Terms t = terms(micro, b, out, new double[out.logProbs().length]);
        return new LossSum(t.loss(), micro.size(), t.metrics());
    }

    private record Terms(double loss, MetricSums metrics) {
    }

    /** The clipped surrogate summed over episodes, its gradient into {@code d}, and the metrics. */
    private Terms terms(List<Rollout> micro, RolloutBatch b, PassOutput out, double[] d) {
        double loss = 0;
        double approxKl = 0;
        double clipped = 0;
        double ratioSum = 0;
        long tokens = 0;
        for (int i = 0; i < micro.size(); i++) {
            Rollout r = micro.get(i);
            int n = r.response().length;
            for (int j = 0; j < n; j++) {
                int row = b.rows()[i][j];
                double diff = out.logProbs()[row] - r.logProbs()[j];
                double ratio = Math.exp(diff);
                double a = advantage(r.advantages()[j]);
                double unclipped = -a * ratio;
                double clippedLoss = -a * Math.max(1 - clip, Math.min(1 + clip, ratio));
                if (unclipped >= clippedLoss) {
                    loss += unclipped / n;
                    d[row] = unclipped / n;
                } else {
                    loss += clippedLoss / n;
                    clipped++;
                }
                approxKl += 0.5 * diff * diff;
                ratioSum += ratio;
                tokens++;
            }
        }
        MetricSums m = MetricSums.NONE.add("loss/policy", loss, micro.size()).add("policy/approxkl", approxKl, tokens)
                .add("policy/clipfrac", clipped, tokens).add("val/ratio", ratioSum, tokens);
        return new Terms(loss, m);
    }

    /** gamma * the LM loss of the episodes' pre-training blocks, each episode's averaged over its tokens. */
    private LossSum ptx(Gpt2Model model, List<Rollout> micro, ForwardMode mode, LossSum policy) {
        if (ptxCoef <= 0) {
            return policy;
        }
        List<int[]> blocks = new ArrayList<>();
        for (Rollout r : micro) {
            for (int[] block : r.ptx()) {
                blocks.add(block);
            }
        }
        if (blocks.isEmpty()) {
            return policy;
        }
        ModelInput in = ModelInput.of(blocks.toArray(int[][]::new));
        LanguageModelLoss.Targets targets = LanguageModelLoss.shifted(in, null);
        // Every episode carries as many full blocks, so its share of the tokens is the total over the episodes.
        double perEpisode = targets.weightSum() / micro.size();
        double lm = LanguageModelLoss.forwardBackward(model, in, targets, perEpisode / ptxCoef,
                new ForwardMode(mode.training(), mode.dropoutSeed() ^ 0x97f));
        return new LossSum(policy.loss() + lm, policy.weight(),
                policy.metrics().add("loss/ptx", lm / ptxCoef, micro.size()));
    }

    @Override
    public int paddedLength(Rollout episode) {
        return episode.prompt().length + episode.response().length;
    }
}
