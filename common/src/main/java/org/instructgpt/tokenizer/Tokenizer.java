package org.instructgpt.tokenizer;

import java.util.Map;

/** Text to token ids and back. Implementations add no special tokens and never truncate. */
public interface Tokenizer extends AutoCloseable {
    int[] encode(String text);

    /** Decodes ids to text, leaving out special tokens (BOS, EOS, PAD). */
    String decode(int[] ids);

    int vocabSize();

    /** -1 where the tokenizer has none. */
    int bosId();

    int eosId();

    /** -1 where the tokenizer has none; callers then pad with EOS and rely on the attention mask. */
    int padId();

    /** The id that fills a batch's padding: PAD, or EOS where there is none (GPT-2); the attention mask hides it. */
    default int fillId() {
        return padId() >= 0 ? padId() : eosId();
    }

    /** The files that recreate this tokenizer, by file name, to store in a checkpoint directory. */
    Map<String, byte[]> files();

    @Override
    default void close() {
    }
}
