package org.instructgpt.rm;

import org.instructgpt.data.DataRecord;
import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.world.GoldJudge;

import java.io.Serializable;

/**
 * One prompt's K ranked responses as the reward model sees them: K token sequences (prompt + response + EOS, cut to
 * the length limit by {@link ExampleEncoder}), their ranks (1 best; ties allowed) and, on the embedded world, their
 * gold scores (null elsewhere; never trained on, only measured against). One training example, so the K
 * responses of a prompt stay together on one partition and each is forwarded once.
 */
public record RankedExample(int[][] sequences, int[] ranks, boolean truncated, double[] gold) implements Serializable {
    public RankedExample {
        if (sequences.length != ranks.length || sequences.length < 2) {
            throw new IllegalArgumentException("a ranked example needs K >= 2 sequences and one rank each");
        }
        if (gold != null && gold.length != ranks.length) {
            throw new IllegalArgumentException("need one gold score per response");
        }
    }

    public int k() {
        return ranks.length;
    }

    /** Without gold scores (real data). */
    public static RankedExample of(DataRecord.Comparison c, ExampleEncoder encoder) {
        return of(c, encoder, null);
    }

    /** With the embedded world's gold score of each response, when a judge is given (for accuracy against gold). */
    public static RankedExample of(DataRecord.Comparison c, ExampleEncoder encoder, GoldJudge judge) {
        int k = c.candidates().size();
        int[][] seqs = new int[k][];
        int[] ranks = new int[k];
        double[] gold = judge == null ? null : new double[k];
        boolean truncated = false;
        for (int i = 0; i < k; i++) {
            TokenizedExample e = encoder.demonstration(c.prompt(), c.candidates().get(i).completion());
            seqs[i] = e.ids();
            ranks[i] = c.candidates().get(i).rank();
            truncated |= e.truncated();
            if (judge != null) {
                gold[i] = judge.judgePrompt(c.prompt(), c.candidates().get(i).completion()).score();
            }
        }
        return new RankedExample(seqs, ranks, truncated, gold);
    }
}
