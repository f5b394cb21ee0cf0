package org.instructgpt.eval;

import org.instructgpt.data.Batches;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.PassOutput;
import org.instructgpt.model.PassRequest;

import java.util.List;

/**
 * The log-likelihood of completions after their prompts (TruthfulQA's answers, a policy's samples under itself and
 * under the KL reference): each example's log-probs summed over its loss mask, a batch of examples in one forward
 * pass at temperature 1.
 */
public final class CompletionLikelihood {
    private CompletionLikelihood() {
    }

    /** Each example's summed log-prob of its completion tokens (where its loss mask is set). */
    public static double[] sums(Gpt2Model model, List<TokenizedExample> examples, int padId) {
        Batches.TrainingBatch b = Batches.rightPadded(examples, padId);
        PassOutput out = model.forward(b.input(), PassRequest.logProbs(b.targets().targets()), ForwardMode.EVAL);
        int t = b.input().time();
        double[] sums = new double[examples.size()];
        for (int i = 0; i < sums.length; i++) {
            for (int j = 0; j < t; j++) {
                float w = b.targets().weights()[i * t + j];
                sums[i] += w == 0 ? 0 : w * out.logProbs()[i * t + j];
            }
        }
        return sums;
    }
}
