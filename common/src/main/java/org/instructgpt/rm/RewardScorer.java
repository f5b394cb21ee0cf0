package org.instructgpt.rm;

import org.instructgpt.data.Batches;
import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * A reward model's scores of prompt + response texts, bias included, in batches (a score does not depend on its
 * batch: right padding, read at the last real token). Used wherever text is scored: {@code instructgpt score}, the
 * reward model's quality report, SFT selection, PPO and evaluation.
 */
public final class RewardScorer {
    private final ModelCheckpoint.Loaded rm;
    private final Tokenizer tok;
    private final ExampleEncoder encoder;
    private final int batch;

    /** @param what the option that named the reward model, for the error when it is not one */
    public RewardScorer(ModelCheckpoint.Loaded rm, String what, int maxLength, int batch) {
        if (!rm.model().hasScoreHead()) {
            throw new IllegalArgumentException(what + ": not a reward model (the checkpoint has no score head)");
        }
        this.rm = rm;
        this.tok = rm.tokenizer().orElseThrow(() -> new IllegalArgumentException(what + ": the reward model has no tokenizer"));
        this.encoder = new ExampleEncoder(tok, Math.min(maxLength, rm.model().config().nPositions));
        this.batch = Math.max(1, batch);
    }

    /** The score of prompts[i] + completions[i], for every i. */
    public double[] score(List<String> prompts, List<String> completions) {
        if (prompts.size() != completions.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + completions.size() + " completions");
        }
        double[] out = new double[prompts.size()];
        for (int from = 0; from < out.length; from += batch) {
            int to = Math.min(out.length, from + batch);
            List<TokenizedExample> seqs = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                seqs.add(encoder.demonstration(prompts.get(i), completions.get(i)));
            }
            double[] s = RewardModel.scores(rm.model(), Batches.rightPadded(seqs, tok.padId()).input());
            System.arraycopy(s, 0, out, from, s.length);
        }
        return out;
    }
}
