package org.instructgpt.rm;

import org.instructgpt.data.DataRecord;
import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.data.TokenizedExample;

import java.io.Serializable;

/**
 * One prompt's K ranked responses as the reward model sees them: K token sequences (prompt + response + EOS, cut to
 * the length limit by {@link ExampleEncoder}) and their ranks (1 best; ties allowed). One training example, so the K
 * responses of a prompt stay together on one partition and each is forwarded once.
 */
public record RankedExample(int[][] sequences, int[] ranks, boolean truncated) implements Serializable {
    public RankedExample {
        if (sequences.length != ranks.length || sequences.length < 2) {
            throw new IllegalArgumentException("a ranked example needs K >= 2 sequences and one rank each");
        }
    }

    public int k() {
        return ranks.length;
    }

    public static RankedExample of(DataRecord.Comparison c, ExampleEncoder encoder) {
        int k = c.candidates().size();
        int[][] seqs = new int[k][];
        int[] ranks = new int[k];
        boolean truncated = false;
        for (int i = 0; i < k; i++) {
            TokenizedExample e = encoder.demonstration(c.prompt(), c.candidates().get(i).completion());
            seqs[i] = e.ids();
            ranks[i] = c.candidates().get(i).rank();
            truncated |= e.truncated();
        }
        return new RankedExample(seqs, ranks, truncated);
    }
}
