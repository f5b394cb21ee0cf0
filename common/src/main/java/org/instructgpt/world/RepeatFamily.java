package org.instructgpt.world;

import java.util.Optional;
import java.util.SplittableRandom;

/** Held out of SFT and RM data: "Repeat twice: abc" -> "abc abc". */
final class RepeatFamily implements TaskFamily {
    private static final String PREFIX = "Repeat twice: ";

    public String name() {
        return "repeat";
    }

    public Task sample(SplittableRandom rng) {
        return task(Lexicon.letters(rng, 2, 5));
    }

    private Task task(String w) {
        return new Task(name(), PREFIX + w, w + " " + w);
    }

    public Optional<Task> parse(String m) {
        return m.startsWith(PREFIX) && m.substring(PREFIX.length()).matches("[a-z]+")
                ? Optional.of(task(m.substring(PREFIX.length()))) : Optional.empty();
    }

    public String mistake(Task t, SplittableRandom rng) {
        return t.message().substring(PREFIX.length());
    }
}
