package org.instructgpt.ppo;

import org.instructgpt.util.Seeds;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which prompts (and pre-training blocks) each iteration's episodes get: the prompts are walked through a fresh seeded
 * permutation per pass, {@code perIteration} at a time, so iteration i's episodes are a pure function of (seed, i), as
 * a resumed run needs; episode p (its position in that walk) is the key of its sample's seed and of its blocks.
 */
public record EpisodeSchedule(List<Prompt> prompts, List<int[]> blocks, int perIteration, int blocksPerEpisode,
                              long seed) {
    /** A prompt by id and text. */
    public record Prompt(String id, String text) {
    }

    public EpisodeSchedule {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("no prompts to run PPO on");
        }
        if (blocksPerEpisode > 0 && blocks.isEmpty()) {
            throw new IllegalArgumentException("PPO-ptx needs pre-training blocks, and the pre-training data gave none");
        }
    }

    public List<RolloutTask> tasks(long iteration) {
        int n = prompts.size();
        List<RolloutTask> out = new ArrayList<>(perIteration);
        int[] perm = null;
        long cachedPass = -1;
        for (int k = 0; k < perIteration; k++) {
            long p = iteration * perIteration + k;
            long pass = p / n;
            if (pass != cachedPass) {
                perm = org.instructgpt.util.Shuffle.permutation(n, Seeds.derive(seed, 0x9a55, pass));
                cachedPass = pass;
            }
            Prompt prompt = prompts.get(perm[(int) (p % n)]);
            int[][] ptx = new int[blocksPerEpisode][];
            SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, 0x97f, p));
            for (int j = 0; j < blocksPerEpisode; j++) {
                ptx[j] = blocks.get(rng.nextInt(blocks.size()));
            }
            out.add(new RolloutTask(prompt.id(), prompt.text(), p, ptx));
        }
        return out;
    }
}
