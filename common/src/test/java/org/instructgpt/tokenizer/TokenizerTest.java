package org.instructgpt.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import org.instructgpt.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerTest {
    private static final List<String> SAMPLES = List.of("", "Hello, world!", "  leading and   inner   spaces\t\ttabs\n\n\nnewlines ",
            "Ünïcödé — “quotes” … 日本語のテキスト 한국어", "emoji 🐋🐳👩‍👩‍👧‍👦 and flags 🇳🇿", "\u0000 control \u0007 chars",
            "a" + " ".repeat(40) + "b", "<|endoftext|> is text here");

    static Tokenizer gpt2() throws IOException {
        return Tokenizers.load(Fixtures.localFs(), Fixtures.resource("data/gpt2-tokenizer")).orElseThrow();
    }

    static String mobyDick() throws IOException {
        try (InputStream in = TokenizerTest.class.getResourceAsStream("/instructgpt/data/moby_dick.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void gpt2TokenizerJsonEncodesMobyDickExactlyAsTiktokensR50k() throws IOException {
        String text = mobyDick();
        Encoding r50k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        try (Tokenizer tok = gpt2()) {
            // Chapter by chapter keeps each call small; the whole book is also compared at the end.
            int[] ours = tok.encode(text);
            IntArrayList theirs = r50k.encodeOrdinary(text);
            assertEquals(theirs.size(), ours.length, "token count of the whole book");
            for (int i = 0; i < ours.length; i++) {
                if (ours[i] != theirs.get(i)) {
                    throw new AssertionError("token " + i + " differs: " + ours[i] + " vs " + theirs.get(i));
                }
            }
            assertTrue(ours.length > 200_000);
            assertEquals(text, tok.decode(ours));
        }
    }

    @Test
    void gpt2SpecialTokensAndSize() throws IOException {
        try (Tokenizer tok = gpt2()) {
            assertEquals(50257, tok.vocabSize());
            assertEquals(50256, tok.eosId());
            assertEquals(50256, tok.bosId());
        }
    }

    @Test
    void decodeOfEncodeIsIdentity() throws IOException {
        try (Tokenizer gpt2 = gpt2(); Tokenizer bytes = new ByteLevelTokenizer()) {
            for (String s : SAMPLES) {
                assertEquals(s, bytes.decode(bytes.encode(s)), "byte-level: " + s);
                if (!s.contains("<|endoftext|>")) {
                    assertEquals(s, gpt2.decode(gpt2.encode(s)), "gpt2: " + s);
                }
            }
        }
    }

    @Test
    void byteLevelIdsAreUtf8BytesAndSpecialsAreSkippedOnDecode() {
        ByteLevelTokenizer t = new ByteLevelTokenizer();
        assertArrayEquals(new int[]{0xc3, 0xa9}, t.encode("é"));
        assertEquals("ab", t.decode(new int[]{ByteLevelTokenizer.BOS, 'a', ByteLevelTokenizer.PAD, 'b', ByteLevelTokenizer.EOS}));
        assertEquals(259, t.vocabSize());
        // A model may emit a broken UTF-8 sequence: it decodes to U+FFFD rather than failing.
        assertEquals("\uFFFD", t.decode(new int[]{0xc3}));
    }
}
