package org.instructgpt.data;

import org.instructgpt.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns text rows into token sequences of at most {@code maxLength} tokens. An SFT example is prompt + completion +
 * EOS with the loss on the completion and EOS only. When it is too long the prompt loses tokens from its start
 * (its end holds the question and the assistant marker) down to half the budget, then the completion loses tokens
 * from its end; either way the example is marked truncated, never cut silently.
 */
public final class ExampleEncoder {
    private final Tokenizer tokenizer;
    private final int maxLength;

    public ExampleEncoder(Tokenizer tokenizer, int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("max length " + maxLength + " < 2");
        }
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
    }

    public TokenizedExample demonstration(String prompt, String completion) {
        int[] p = tokenizer.encode(prompt);
        int[] c = append(tokenizer.encode(completion), tokenizer.eosId());
        return join(p, c);
    }

    /** Prompt then completion (already tokenized, EOS included where wanted), cut to fit as described above. */
    public TokenizedExample join(int[] p, int[] c) {
        boolean truncated = false;
        if (p.length + c.length > maxLength) {
            truncated = true;
            int keepPrompt = Math.min(p.length, Math.max(maxLength / 2, maxLength - c.length));
            p = Arrays.copyOfRange(p, p.length - keepPrompt, p.length);
            c = Arrays.copyOf(c, Math.min(c.length, maxLength - keepPrompt));
        }
        int[] ids = new int[p.length + c.length];
        System.arraycopy(p, 0, ids, 0, p.length);
        System.arraycopy(c, 0, ids, p.length, c.length);
        float[] loss = new float[ids.length];
        Arrays.fill(loss, p.length, ids.length, 1f);
        return new TokenizedExample(ids, loss, truncated);
    }

    /** A prompt for generation: its last {@code maxPromptTokens} tokens (marked truncated if it had more). */
    public TokenizedExample prompt(String prompt, int maxPromptTokens) {
        int[] p = tokenizer.encode(prompt);
        boolean truncated = p.length > maxPromptTokens;
        if (truncated) {
            p = Arrays.copyOfRange(p, p.length - maxPromptTokens, p.length);
        }
        return new TokenizedExample(p, new float[p.length], truncated);
    }

    /**
     * A document for pre-training, cut into consecutive blocks of at most {@code maxLength} tokens (text then EOS),
     * every token predicted. Nothing is dropped: the last block is shorter.
     */
    public List<TokenizedExample> documentBlocks(String text) {
        int[] ids = append(tokenizer.encode(text), tokenizer.eosId());
        List<TokenizedExample> out = new ArrayList<>();
        for (int from = 0; from < ids.length; from += maxLength) {
            int[] block = Arrays.copyOfRange(ids, from, Math.min(ids.length, from + maxLength));
            if (block.length < 2) {
                continue;
            }
            float[] loss = new float[block.length];
            Arrays.fill(loss, 1f);
            out.add(new TokenizedExample(block, loss, false));
        }
        return out;
    }

    private static int[] append(int[] ids, int id) {
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = id;
        return out;
    }
}
