package org.instructgpt.model;

import java.util.Arrays;

/**
 * A batch of token sequences of equal length: ids, position ids and attention mask, all [batch * time] row-major.
 * Left padding is expressed by a mask of 0 and positions from {@code cumsum(mask) - 1}.
 */
public record ModelInput(int batch, int time, int[] ids, int[] positions, float[] mask) {
    public ModelInput {
        int n = batch * time;
        if (ids.length != n || positions.length != n || mask.length != n) {
            throw new IllegalArgumentException("ids, positions and mask must all have batch*time = " + n + " entries");
        }
    }

    /** Unpadded sequences: positions 0..time-1 and a full mask. */
    public static ModelInput of(int[][] ids) {
        int b = ids.length;
        int t = ids[0].length;
        int[] flat = new int[b * t];
        int[] pos = new int[b * t];
        for (int i = 0; i < b; i++) {
            if (ids[i].length != t) {
                throw new IllegalArgumentException("row " + i + " has " + ids[i].length + " tokens, expected " + t);
            }
            System.arraycopy(ids[i], 0, flat, i * t, t);
            for (int j = 0; j < t; j++) {
                pos[i * t + j] = j;
            }
        }
        float[] mask = new float[b * t];
        Arrays.fill(mask, 1f);
        return new ModelInput(b, t, flat, pos, mask);
    }

    /** Padded sequences with the given mask (1 = token, 0 = pad); positions are cumsum(mask) - 1, clamped at 0. */
    public static ModelInput withMask(int[][] ids, int[][] mask) {
        ModelInput plain = of(ids);
        int b = plain.batch;
        int t = plain.time;
        float[] m = new float[b * t];
        int[] pos = new int[b * t];
        for (int i = 0; i < b; i++) {
            int seen = 0;
            for (int j = 0; j < t; j++) {
                m[i * t + j] = mask[i][j];
                seen += mask[i][j] != 0 ? 1 : 0;
                pos[i * t + j] = Math.max(seen - 1, 0);
            }
        }
        return new ModelInput(b, t, plain.ids, pos, m);
    }

    public int id(int b, int t) {
        return ids[b * time + t];
    }
}
