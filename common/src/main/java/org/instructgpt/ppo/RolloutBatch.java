package org.instructgpt.ppo;

import org.instructgpt.model.ModelInput;

import java.util.List;

/**
 * Prompts and responses as one right-padded batch (prompt then response, positions from 0), with the row of each
 * response token's prediction: response token j of sequence b is predicted at row b * time + (|prompt| - 1 + j),
 * where the value of the state before it is read too.
 */
record RolloutBatch(ModelInput input, int[] targets, int[][] rows) {
    static RolloutBatch of(List<int[]> prompts, List<int[]> responses, int padId) {
        int b = prompts.size();
        int time = 0;
        for (int i = 0; i < b; i++) {
            time = Math.max(time, prompts.get(i).length + responses.get(i).length);
        }
        int[][] ids = new int[b][time];
        int[][] mask = new int[b][time];
        int[] targets = new int[b * time];
        java.util.Arrays.fill(targets, -1);
        int[][] rows = new int[b][];
        for (int i = 0; i < b; i++) {
            int[] p = prompts.get(i);
            int[] r = responses.get(i);
            java.util.Arrays.fill(ids[i], padId);
            System.arraycopy(p, 0, ids[i], 0, p.length);
            System.arraycopy(r, 0, ids[i], p.length, r.length);
            java.util.Arrays.fill(mask[i], 0, p.length + r.length, 1);
            rows[i] = new int[r.length];
            for (int j = 0; j < r.length; j++) {
                rows[i][j] = i * time + p.length - 1 + j;
                targets[rows[i][j]] = r[j];
            }
        }
        return new RolloutBatch(ModelInput.withMask(ids, mask), targets, rows);
    }

    static RolloutBatch of(List<Rollout> rollouts, int padId) {
        return of(rollouts.stream().map(Rollout::prompt).toList(), rollouts.stream().map(Rollout::response).toList(), padId);
    }
}
