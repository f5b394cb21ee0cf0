package org.instructgpt.util;

/**
 * Derives independent seeds from a base seed and a path of keys (for example seed, step, partition, layer), so every
 * random draw in the system is a pure function of the configuration and where it happens.
 */
public final class Seeds {
    private Seeds() {
    }

    /** SplitMix64's finaliser: a bijective mix with good avalanche. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    public static long derive(long seed, long... keys) {
        long h = mix(seed + 0x9e3779b97f4a7c15L);
        for (long k : keys) {
            h = mix(h ^ mix(k + 0x9e3779b97f4a7c15L));
        }
        return h;
    }
}
