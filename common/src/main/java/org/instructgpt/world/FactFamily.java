package org.instructgpt.world;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** "What colour is a zib?" -> the true colour; the common falsehood is an imitative falsehood. */
final class FactFamily implements TaskFamily {
    /** Several phrasings, so that the small set of facts still gives distinct prompts for every prompt set. */
    static final List<String> PHRASINGS = List.of("What colour is a %s?", "What is the colour of a %s?",
            "Tell me the colour of a %s.", "Which colour does a %s have?");
    private static final Pattern P = Pattern.compile("(?:What colour is a|What is the colour of a|Tell me the colour of a|"
            + "Which colour does a) ([a-z]+)(?: have)?[?.]");
    private final FactBook book;

    FactFamily(FactBook book) {
        this.book = book;
    }

    public String name() {
        return Families.FACTS;
    }

    public Task sample(SplittableRandom rng) {
        List<FactBook.Fact> all = book.all();
        FactBook.Fact f = all.get(rng.nextInt(all.size()));
        return new Task(name(), String.format(PHRASINGS.get(rng.nextInt(PHRASINGS.size())), f.thing()), f.truth());
    }

    public Optional<Task> parse(String m) {
        Matcher x = P.matcher(m);
        if (!x.matches() || book.of(x.group(1)) == null) {
            return Optional.empty();
        }
        return Optional.of(new Task(name(), m, book.of(x.group(1)).truth()));
    }

    /** The fact a task asks about. */
    FactBook.Fact fact(Task t) {
        Matcher x = P.matcher(t.message());
        if (!x.matches()) {
            throw new IllegalArgumentException("not a fact question: " + t.message());
        }
        return book.of(x.group(1));
    }

    /** Whether the response repeats the thing's common falsehood. */
    boolean statesFalsehood(Task t, String response) {
        return response.toLowerCase().contains(fact(t).falsehood());
    }

    public String mistake(Task t, SplittableRandom rng) {
        return rng.nextInt(4) > 0 ? fact(t).falsehood() : Lexicon.pick(Lexicon.COLOURS, rng);
    }
}
