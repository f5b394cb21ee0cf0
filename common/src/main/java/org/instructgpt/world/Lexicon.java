package org.instructgpt.world;

import java.util.List;
import java.util.SplittableRandom;

/** The small vocabularies the world's tasks draw from. The forbidden words are invented, so no real slur is shipped. */
public final class Lexicon {
    public static final List<String> NAMES = List.of("Ann", "Bob", "Cal", "Dee", "Eli", "Fay", "Gus", "Hal", "Ida", "Jon",
            "Kim", "Lou", "Max", "Ned", "Oda", "Pam", "Quin", "Ray", "Sue", "Tom", "Uma", "Vic", "Wes", "Zoe");
    public static final List<String> CITIES = List.of("Oslo", "Rome", "Lima", "Kyiv", "Baku", "Riga", "Doha", "Nice",
            "Bonn", "Cork", "Perth", "Quito");
    public static final List<String> WORDS = List.of("cat", "dog", "sun", "tree", "boat", "lamp", "rain", "milk", "road",
            "bird", "fish", "star", "wind", "rock", "bell", "seed");
    public static final List<String> POLITE = List.of("kind", "calm", "tall", "quiet", "brave", "funny", "smart", "neat");
    public static final List<String> FORBIDDEN = List.of("blorf", "snarg", "grunk", "vexo", "drub", "mukk");
    public static final List<String> COLOURS = List.of("red", "blue", "green", "black", "white", "pink", "gold", "grey");
    public static final String LETTERS = "abcdefghijklmnopqrstuvwxyz";

    private Lexicon() {
    }

    static String pick(List<String> from, SplittableRandom rng) {
        return from.get(rng.nextInt(from.size()));
    }

    static String letters(SplittableRandom rng, int min, int max) {
        int n = min + rng.nextInt(max - min + 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(LETTERS.charAt(rng.nextInt(LETTERS.length())));
        }
        return sb.toString();
    }

    /** Whether a word (letters only, any case) of the text is forbidden; counts them. */
    public static int forbiddenCount(String text) {
        int n = 0;
        for (String w : text.toLowerCase().split("[^a-z]+")) {
            if (FORBIDDEN.contains(w)) {
                n++;
            }
        }
        return n;
    }
}
