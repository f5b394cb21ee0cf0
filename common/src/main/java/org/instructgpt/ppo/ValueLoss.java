package org.instructgpt.ppo;

import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.GptEngine;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.PassOutput;
import org.instructgpt.model.PassRequest;
import org.instructgpt.train.MetricSums;
import org.instructgpt.train.TrainingObjective;

import java.util.List;

/**
 * The value model's clipped loss on a micro-batch of episodes, per response token (the value of the state before it):
 * 0.5 max((V - R)^2, (V_clipped - R)^2) with V_clipped = V_old + clip(V - V_old, -eps, eps) and R the return,
 * averaged over the episode's tokens and scaled by the value coefficient; each episode weighs 1.
 */
public final class ValueLoss implements TrainingObjective<Rollout> {
    private final int padId;
    private final double clip;
    private final double coef;

    public ValueLoss(int padId, double clip, double coef) {
        this.padId = padId;
        this.clip = clip;
        this.coef = coef;
    }

    @Override
    public String unit() {
        return "episodes";
    }

    @Override
    public LossSum accumulate(Gpt2Model model, List<Rollout> micro, ForwardMode mode) {
        RolloutBatch b = RolloutBatch.of(micro, padId);
        LossSum[] sum = new LossSum[1];
        model.forwardBackward(b.input(), PassRequest.scalarHead(), mode, out -> {
            double[] d = new double[out.scalar().length];
            sum[0] = terms(micro, b, out, d);
            return new GptEngine.OutputGradient(null, d);
        });
        return sum[0];
    }

    @Override
    public LossSum evaluate(Gpt2Model model, List<Rollout> micro) {
        RolloutBatch b = RolloutBatch.of(micro, padId);
        PassOutput out = model.forward(b.input(), PassRequest.scalarHead(), ForwardMode.EVAL);
        return terms(micro, b, out, new double[out.scalar().length]);
    }

    private LossSum terms(List<Rollout> micro, RolloutBatch b, PassOutput out, double[] d) {
        double loss = 0;
        double clipped = 0;
        double vpred = 0;
        long tokens = 0;
        for (int i = 0; i < micro.size(); i++) {
            Rollout r = micro.get(i);
            int n = r.response().length;
            for (int j = 0; j < n; j++) {
                int row = b.rows()[i][j];
                double v = out.scalar()[row];
                double old = r.values()[j];
                double ret = r.returns()[j];
                double moved = v - old;
                boolean inside = Math.abs(moved) < clip;
                double vc = old + Math.max(-clip, Math.min(clip, moved));
                double l1 = (v - ret) * (v - ret);
                double l2 = (vc - ret) * (vc - ret);
                double scale = coef / n;
                if (l1 >= l2) {
                    loss += 0.5 * l1 * scale;
                    d[row] = (v - ret) * scale;
                } else {
                    loss += 0.5 * l2 * scale;
                    d[row] = inside ? (vc - ret) * scale : 0;
                    clipped++;
                }
                vpred += v;
                tokens++;
            }
        }
        MetricSums m = MetricSums.NONE.add("loss/value", loss, micro.size()).add("val/clipfrac", clipped, tokens)
                .add("val/vpred", vpred, tokens);
        return new LossSum(loss, micro.size(), m);
    }

    @Override
    public int paddedLength(Rollout episode) {
        return episode.prompt().length + episode.response().length;
    }
}
