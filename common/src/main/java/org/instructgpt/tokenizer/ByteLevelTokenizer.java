package org.instructgpt.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The embedded world's tokenizer: one token per UTF-8 byte (0..255), then BOS (256), EOS (257) and PAD (258).
 * Any text round-trips; decoding repairs invalid byte sequences (a model's output) with U+FFFD.
 */
public final class ByteLevelTokenizer implements Tokenizer {
    public static final int BOS = 256;
    public static final int EOS = 257;
    public static final int PAD = 258;
    public static final int VOCAB = 259;
    /** The file that marks a checkpoint's tokenizer as this one. */
    public static final String FILE = "instructgpt_tokenizer.json";
    static final String JSON = "{\n  \"type\": \"byte-level\",\n  \"vocab_size\": 259,\n  \"bos_token_id\": 256,\n"
            + "  \"eos_token_id\": 257,\n  \"pad_token_id\": 258\n}\n";

    @Override
    public int[] encode(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            ids[i] = b[i] & 0xff;
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length);
        for (int id : ids) {
            if (id >= 0 && id < 256) {
                out.write(id);
            } else if (id < 0 || id >= VOCAB) {
                throw new IllegalArgumentException("token id " + id + " is outside the byte-level vocabulary of " + VOCAB);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return VOCAB;
    }

    @Override
    public int bosId() {
        return BOS;
    }

    @Override
    public int eosId() {
        return EOS;
    }

    @Override
    public int padId() {
        return PAD;
    }

    @Override
    public Map<String, byte[]> files() {
        return Map.of(FILE, JSON.getBytes(StandardCharsets.UTF_8));
    }
}
