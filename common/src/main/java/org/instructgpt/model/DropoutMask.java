package org.instructgpt.model;

import org.instructgpt.util.Seeds;

import java.util.SplittableRandom;

/**
 * Which elements a dropout site keeps, drawn in Java from (pass seed, site): the ND4J modules and the array-based
 * training pass draw the same mask, on any backend, and a retried task draws it again. Each 64-bit draw gives four
 * 16-bit uniforms, so the drop probability is resolved to 1/65536.
 */
public final class DropoutMask {
    private DropoutMask() {
    }

    /** n flags, 1 where the element is kept and 0 where it is dropped with probability p. */
    public static float[] draw(long seed, long site, int n, double p) {
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, site));
        int threshold = (int) Math.round(p * 65536);
        float[] keep = new float[n];
        for (int i = 0; i < n; i += 4) {
            long r = rng.nextLong();
            for (int j = 0; j < 4 && i + j < n; j++) {
                keep[i + j] = ((r >>> (16 * j)) & 0xffff) >= threshold ? 1f : 0f;
            }
        }
        return keep;
    }
}
