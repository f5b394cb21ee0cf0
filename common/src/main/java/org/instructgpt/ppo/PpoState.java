package org.instructgpt.ppo;

import org.instructgpt.train.DataParallelTrainer;
import org.instructgpt.train.MovingAverage;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything a PPO run carries from iteration to iteration, and so everything a checkpoint holds: the policy's and the
 * value model's trainers (parameters, AdamW moments, step), the EMA of the policy's weights, the KL controller and the
 * number of iterations done (which fixes the next iteration's prompts and seeds).
 */
public final class PpoState {
    final DataParallelTrainer<Rollout> policy;
    final DataParallelTrainer<Rollout> value;
    final INDArray ema;
    private final MovingAverage emaUpdate;
    final KlController kl;
    long iteration;

    PpoState(DataParallelTrainer<Rollout> policy, DataParallelTrainer<Rollout> value, KlController kl) {
        this.policy = policy;
        this.value = value;
        this.ema = policy.model().params().flat().dup();
        this.emaUpdate = new MovingAverage(ema);
        this.kl = kl;
    }

    /** ema = decay * ema + (1 - decay) * the policy's weights, after every policy step. */
    void updateEma(double decay) {
        emaUpdate.update(policy.model().params().flat(), decay);
    }

    public long iteration() {
        return iteration;
    }

    public DataParallelTrainer<Rollout> policyTrainer() {
        return policy;
    }

    public DataParallelTrainer<Rollout> valueTrainer() {
        return value;
    }

    public INDArray ema() {
        return ema;
    }

    public KlController kl() {
        return kl;
    }
}
