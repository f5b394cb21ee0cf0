package org.instructgpt.train;

import org.instructgpt.data.Batches;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.LanguageModelLoss;

import java.util.List;

/**
 * Causal-LM loss on tokenized examples, weighted by each example's loss mask: every token for pre-training, the
 * completion and EOS only for SFT. The weight is the number of predicted tokens.
 */
public final class LanguageModelObjective implements TrainingObjective<TokenizedExample> {
    private final int padId;

    public LanguageModelObjective(int padId) {
        this.padId = padId;
    }

    @Override
    public LossSum accumulate(Gpt2Model model, List<TokenizedExample> micro, ForwardMode mode) {
        Batches.TrainingBatch b = Batches.rightPadded(micro, padId);
        double loss = LanguageModelLoss.forwardBackward(model, b.input(), b.targets(), 1.0, mode);
        return new LossSum(loss, b.targets().weightSum());
    }

    @Override
    public LossSum evaluate(Gpt2Model model, List<TokenizedExample> micro) {
        Batches.TrainingBatch b = Batches.rightPadded(micro, padId);
        return new LossSum(LanguageModelLoss.loss(model, b.input(), b.targets(), 1.0), b.targets().weightSum());
    }

    @Override
    public int paddedLength(TokenizedExample example) {
        return example.length();
    }
}
