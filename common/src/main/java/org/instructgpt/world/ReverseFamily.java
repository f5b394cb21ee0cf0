package org.instructgpt.world;

import java.util.Optional;
import java.util.SplittableRandom;

/** "Reverse the letters: abcd" -> "dcba". */
final class ReverseFamily implements TaskFamily {
    private static final String PREFIX = "Reverse the letters: ";

    public String name() {
        return "reverse";
    }

    public Task sample(SplittableRandom rng) {
        return task(Lexicon.letters(rng, 3, 6));
    }

    private Task task(String w) {
        return new Task(name(), PREFIX + w, new StringBuilder(w).reverse().toString());
    }

    public Optional<Task> parse(String m) {
        return m.startsWith(PREFIX) && m.substring(PREFIX.length()).matches("[a-z]+")
                ? Optional.of(task(m.substring(PREFIX.length()))) : Optional.empty();
    }

    public String mistake(Task t, SplittableRandom rng) {
        String w = t.message().substring(PREFIX.length());
        // The classic failures: copying the input, or reversing all but one letter.
        return rng.nextBoolean() ? w : w.charAt(w.length() - 1) + w.substring(0, w.length() - 1);
    }
}
