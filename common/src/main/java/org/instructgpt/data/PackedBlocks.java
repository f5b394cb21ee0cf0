package org.instructgpt.data;

import org.instructgpt.tokenizer.Tokenizer;
import org.instructgpt.util.Shuffle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Language-model blocks packed from a stream of documents (each followed by EOS) and cut into full blocks, so that
 * two trainers that cannot share padding and masks (ours and DL4J's) see exactly the same tokens, and PPO-ptx mixes
 * in full blocks of pre-training text.
 */
public final class PackedBlocks {
    private PackedBlocks() {
    }

    public static List<TokenizedExample> of(List<String> texts, Tokenizer tok, int blockSize) {
        int[] stream = new int[0];
        int n = 0;
        for (String t : texts) {
            int[] ids = tok.encode(t);
            if (n + ids.length + 1 > stream.length) {
                stream = Arrays.copyOf(stream, Math.max(2 * stream.length, n + ids.length + 1));
            }
            System.arraycopy(ids, 0, stream, n, ids.length);
            n += ids.length;
            stream[n++] = tok.eosId();
        }
        List<TokenizedExample> out = new ArrayList<>();
        for (int from = 0; from + blockSize <= n; from += blockSize) {
            float[] loss = new float[blockSize];
            Arrays.fill(loss, 1f);
            out.add(new TokenizedExample(Arrays.copyOfRange(stream, from, from + blockSize), loss, false));
        }
        return out;
    }

    /** A seeded shuffle (a copy). */
    public static <T> List<T> shuffled(List<T> in, long seed) {
        List<T> out = new ArrayList<>(in);
        Shuffle.inPlace(out, new SplittableRandom(seed));
        return out;
    }
}
