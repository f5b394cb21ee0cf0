package org.instructgpt.world;

import java.util.Optional;
import java.util.SplittableRandom;

/** Held out of SFT and RM data: "Count the letters: abcde" -> "5". */
final class CountFamily implements TaskFamily {
    private static final String PREFIX = "Count the letters: ";

    public String name() {
        return "count";
    }

    public Task sample(SplittableRandom rng) {
        return task(Lexicon.letters(rng, 2, 9));
    }

    private Task task(String w) {
        return new Task(name(), PREFIX + w, Integer.toString(w.length()));
    }

    public Optional<Task> parse(String m) {
        return m.startsWith(PREFIX) && m.substring(PREFIX.length()).matches("[a-z]+")
                ? Optional.of(task(m.substring(PREFIX.length()))) : Optional.empty();
    }

    public String mistake(Task t, SplittableRandom rng) {
        return Integer.toString(Integer.parseInt(t.answer()) + (rng.nextBoolean() ? 1 : -1));
    }
}
