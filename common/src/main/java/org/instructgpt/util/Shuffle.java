package org.instructgpt.util;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A Fisher-Yates shuffle driven by a {@link SplittableRandom} (the generator every seeded draw here uses; the JDK's
 * {@code Collections.shuffle} takes only {@code java.util.Random}).
 */
public final class Shuffle {
    private Shuffle() {
    }

    public static <T> void inPlace(List<T> list, SplittableRandom rng) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            T x = list.get(i);
            list.set(i, list.get(j));
            list.set(j, x);
        }
    }

    /** A seeded permutation of 0..n-1 (the same draws as shuffling that list in place). */
    public static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
