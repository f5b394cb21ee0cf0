package org.instructgpt.world;

import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;

/** "Uppercase: cat dog" -> "CAT DOG". */
final class UppercaseFamily implements TaskFamily {
    private static final String PREFIX = "Uppercase: ";

    public String name() {
        return "uppercase";
    }

    public Task sample(SplittableRandom rng) {
        String words = Lexicon.pick(Lexicon.WORDS, rng) + " " + Lexicon.pick(Lexicon.WORDS, rng);
        return task(rng.nextBoolean() ? words : words + " " + Lexicon.pick(Lexicon.WORDS, rng));
    }

    private Task task(String words) {
        return new Task(name(), PREFIX + words, words.toUpperCase(Locale.ROOT));
    }

    public Optional<Task> parse(String m) {
        return m.startsWith(PREFIX) && m.substring(PREFIX.length()).matches("[a-z]+( [a-z]+){1,2}")
                ? Optional.of(task(m.substring(PREFIX.length()))) : Optional.empty();
    }

    public String mistake(Task t, SplittableRandom rng) {
        String words = t.message().substring(PREFIX.length());
        return rng.nextBoolean() ? words : t.answer().substring(0, t.answer().indexOf(' ')) + words.substring(words.indexOf(' '));
    }
}
