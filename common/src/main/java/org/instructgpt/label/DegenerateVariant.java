package org.instructgpt.label;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Degenerate variants of a sample, the kinds of output a PPO policy learns where the reward model overrates them
 * (docs/ppo.md): a span replaced by a run of one of the sample's characters ("BOAT RED" becomes "BOnnnnRED"), or a
 * span deleted ("BOAT RED" becomes "BOAD"). A reward model trained only on the SFT and pretrained models' samples has
 * seen few of them; added to a prompt's candidates, judged and ranked like every other sample, they show it some.
 */
enum DegenerateVariant {
    RUN {
        @Override
        String apply(String lead, String body, SplittableRandom rng) {
            String letters = body.replaceAll("\\s", "");
            char c = letters.charAt(rng.nextInt(letters.length()));
            int run = MIN_RUN + rng.nextInt(MAX_RUN - MIN_RUN + 1);
            int start = rng.nextInt(body.length() + 1);
            int end = Math.min(body.length(), start + rng.nextInt(run + 1));
            return lead + body.substring(0, start) + String.valueOf(c).repeat(run) + body.substring(end);
        }
    },
    DELETION {
        @Override
        String apply(String lead, String body, SplittableRandom rng) {
            if (body.length() < 2) {
                return null;
            }
            // At least one character kept: an empty response is not a sample the policy could give.
            int length = 1 + rng.nextInt(body.length() / 2);
            int start = rng.nextInt(body.length() - length + 1);
            String out = body.substring(0, start) + body.substring(start + length);
            return out.isBlank() ? null : lead + out;
        }
    };

    static final int MIN_RUN = 3;
    static final int MAX_RUN = 6;

    abstract String apply(String lead, String body, SplittableRandom rng);

    /**
     * The variant of {@code text} (its leading whitespace kept, as the completion's separator), or null where the
     * text has nothing to vary.
     */
    String of(String text, SplittableRandom rng) {
        int lead = 0;
        while (lead < text.length() && Character.isWhitespace(text.charAt(lead))) {
            lead++;
        }
        String body = text.substring(lead);
        return body.isBlank() ? null : apply(text.substring(0, lead), body, rng);
    }

    /** The kind named in config ({@code run}, {@code deletion}). */
    static DegenerateVariant named(String name, String key) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": unknown variant '" + name + "' (run or deletion)");
        }
    }
}
