package org.instructgpt.world;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Invented things and their colours: the truth, which labelers know, and a common falsehood, which the pre-training
 * text repeats more often than the truth (as web text repeats misconceptions; TruthfulQA's "imitative falsehoods").
 */
public final class FactBook {
    /** One thing: its true colour and the colour most texts wrongly give it. */
    public record Fact(String thing, String truth, String falsehood) {
    }

    public static final int SIZE = 96;
    private static final String CONSONANTS = "bdfgklmnprstvz";
    private static final String VOWELS = "aeiou";
    private final Map<String, Fact> facts = new LinkedHashMap<>();

    public FactBook(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        while (facts.size() < SIZE) {
            // Invented consonant-vowel-consonant names, so no fact of the world is a fact of ours.
            String t = "" + CONSONANTS.charAt(rng.nextInt(CONSONANTS.length())) + VOWELS.charAt(rng.nextInt(VOWELS.length()))
                    + CONSONANTS.charAt(rng.nextInt(CONSONANTS.length()));
            if (facts.containsKey(t) || Lexicon.WORDS.contains(t)) {
                continue;
            }
            String truth = Lexicon.pick(Lexicon.COLOURS, rng);
            String lie;
            do {
                lie = Lexicon.pick(Lexicon.COLOURS, rng);
            } while (lie.equals(truth));
            facts.put(t, new Fact(t, truth, lie));
        }
    }

    public List<Fact> all() {
        return new ArrayList<>(facts.values());
    }

    public Fact of(String thing) {
        return facts.get(thing);
    }
}
