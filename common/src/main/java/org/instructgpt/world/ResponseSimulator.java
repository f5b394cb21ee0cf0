package org.instructgpt.world;

import org.instructgpt.util.Shuffle;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Candidate answers of mixed quality for a task, standing in for samples of policies of different quality: the right
 * answer, plausible mistakes, rambling, a forbidden word, the right answer with a made-up addition.
 */
public final class ResponseSimulator {
    private final Families families;

    public ResponseSimulator(Families families) {
        this.families = families;
    }

    /** Up to {@code k} distinct responses (fewer only if the family cannot produce that many). */
    public List<String> candidates(Task t, int k, SplittableRandom rng) {
        TaskFamily f = families.named(t.family());
        Set<String> out = new LinkedHashSet<>();
        for (int attempt = 0; attempt < 20 * k && out.size() < k; attempt++) {
            out.add(variant(t, f, rng));
        }
        List<String> list = new ArrayList<>(out);
        // Shuffle so the position of a candidate says nothing about its quality.
        Shuffle.inPlace(list, rng);
        return list;
    }

    String variant(Task t, TaskFamily f, SplittableRandom rng) {
        return switch (rng.nextInt(6)) {
            case 0, 1 -> t.answer();
            case 2 -> f.mistake(t, rng);
            case 3 -> t.answer() + " " + Lexicon.pick(Lexicon.WORDS, rng) + " " + Lexicon.pick(Lexicon.WORDS, rng);
            case 4 -> (rng.nextBoolean() ? t.answer() : f.mistake(t, rng)) + " " + Lexicon.pick(Lexicon.FORBIDDEN, rng);
            default -> f.mistake(t, rng) + " " + Lexicon.pick(Lexicon.WORDS, rng);
        };
    }
}
