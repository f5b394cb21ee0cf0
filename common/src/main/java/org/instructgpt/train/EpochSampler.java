package org.instructgpt.train;

import org.instructgpt.util.Seeds;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which of a partition's examples step {@code step} uses: the partition walks through a fresh seeded permutation of
 * its examples every epoch, {@code local} examples per step, so every example is seen once per epoch and the choice
 * is a pure function of (seed, partition, step).
 */
final class EpochSampler {
    private EpochSampler() {
    }

    static <E> List<E> select(List<E> rows, long seed, int partition, long step, int local) {
        int n = rows.size();
        List<E> out = new ArrayList<>(local);
        int[] perm = null;
        long cachedEpoch = -1;
        for (int j = 0; j < local; j++) {
            long pos = step * local + j;
            long epoch = pos / n;
            if (epoch != cachedEpoch) {
                perm = org.instructgpt.util.Shuffle.permutation(n, Seeds.derive(seed, 0xE90C, partition, epoch));
                cachedEpoch = epoch;
            }
            out.add(rows.get(perm[(int) (pos % n)]));
        }
        return out;
    }
}
