package org.instructgpt.label;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DegenerateVariantTest {
    private static final String SAMPLE = " BOAT RED";

    @Test
    void aRunReplacesASpanWithOneOfTheSamplesCharacters() {
        for (int seed = 0; seed < 200; seed++) {
            String v = DegenerateVariant.RUN.of(SAMPLE, new SplittableRandom(seed));
            assertEquals(v, DegenerateVariant.RUN.of(SAMPLE, new SplittableRandom(seed)), "the same seed, the same variant");
            assertTrue(v.startsWith(" ") && !v.startsWith("  "), "the separator kept: '" + v + "'");
            Matcher m = Pattern.compile("(\\S)\\1{2,}").matcher(v);
            assertTrue(m.find() && "BOATRED".indexOf(m.group(1).charAt(0)) >= 0, "a run of a sample character: " + v);
            // The sample has no doubled letter, so the run is at most one longer on either side than the one put in.
            int removed = SAMPLE.length() + m.group().length() - v.length();
            assertTrue(m.group().length() <= DegenerateVariant.MAX_RUN + 2 && removed <= DegenerateVariant.MAX_RUN + 2,
                    "a run of at most " + DegenerateVariant.MAX_RUN + " over a span as long: " + v);
        }
        assertNull(DegenerateVariant.RUN.of("  \n", new SplittableRandom(1)), "nothing to repeat");
    }

    @Test
    void aDeletionRemovesOneSpanOfAtMostHalfTheSample() {
        String body = SAMPLE.substring(1);
        for (int seed = 0; seed < 200; seed++) {
            String v = DegenerateVariant.DELETION.of(SAMPLE, new SplittableRandom(seed));
            assertTrue(v.startsWith(" ") && !v.isBlank(), "the separator and something kept: '" + v + "'");
            String rest = v.substring(1);
            int cut = body.length() - rest.length();
            assertTrue(cut >= 1 && cut <= body.length() / 2, "1 to half the characters deleted: " + v);
            int prefix = 0;
            while (prefix < rest.length() && rest.charAt(prefix) == body.charAt(prefix)) {
                prefix++;
            }
            assertEquals(body.substring(prefix + cut), rest.substring(prefix), "one contiguous span deleted: " + v);
        }
        assertNull(DegenerateVariant.DELETION.of(" x", new SplittableRandom(1)), "one character has nothing to spare");
    }

    @Test
    void configNamesTheKinds() {
        assertEquals(DegenerateVariant.DELETION, DegenerateVariant.named("deletion", "k"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DegenerateVariant.named("shuffle", "instructgpt.label.variants"));
        assertTrue(e.getMessage().contains("instructgpt.label.variants") && e.getMessage().contains("shuffle"));
    }
}
