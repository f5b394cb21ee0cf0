package org.instructgpt.rm;

import org.instructgpt.data.Batches;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.ScalarHead;
import org.instructgpt.train.TrainingObjective;

import java.util.List;

/**
 * The raw score (no bias) summed over sequences, as an evaluation-only objective, so the trainer's distributed
 * evaluation gives the mean score of a dataset: the reward model's bias is minus its mean on demonstrations.
 */
final class MeanScore implements TrainingObjective<TokenizedExample> {
    private final int padId;

    MeanScore(int padId) {
        this.padId = padId;
    }

    @Override
    public LossSum accumulate(Gpt2Model model, List<TokenizedExample> micro, ForwardMode mode) {
        throw new UnsupportedOperationException("MeanScore only evaluates");
    }

    @Override
    public LossSum evaluate(Gpt2Model model, List<TokenizedExample> micro) {
        double sum = 0;
        for (double s : ScalarHead.scores(model, Batches.rightPadded(micro, padId).input())) {
            sum += s;
        }
        return new LossSum(sum, micro.size());
    }
}
