package org.instructgpt.generate;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sampling frequencies against the distribution Hugging Face's warpers define (temperature, top-k, then top-p). */
class TokenSamplerTest {
    private static final double[] LOGITS = {2.0, 1.5, 1.2, 1.0, 0.7, 0.3, 0.0, -0.5, -1.0, -2.0};

    /** Hugging Face: softmax(logits / T); keep the top k; renormalise; keep the smallest prefix with mass >= p. */
    static double[] reference(double t, int k, double topP) {
        int v = LOGITS.length;
        double[] p = new double[v];
        double sum = 0;
        for (int i = 0; i < v; i++) {
            p[i] = Math.exp(LOGITS[i] / t);
            sum += p[i];
        }
        Integer[] order = IntStream.range(0, v).boxed().sorted(Comparator.comparingDouble(i -> -p[i])).toArray(Integer[]::new);
        int keepK = k > 0 ? Math.min(k, v) : v;
        double topK = 0;
        for (int i = 0; i < keepK; i++) {
            topK += p[order[i]];
        }
        double[] out = new double[v];
        double before = 0;
        double kept = 0;
        for (int i = 0; i < keepK; i++) {
            double q = p[order[i]] / topK;
            if (before >= topP) {
                break;
            }
            out[order[i]] = q;
            kept += q;
            before += q;
        }
        for (int i = 0; i < v; i++) {
            out[i] /= kept;
        }
        return out;
    }

    private static double[] frequencies(SamplingConfig cfg, int draws) {
        TokenSampler s = new TokenSampler(cfg);
        SplittableRandom rng = new SplittableRandom(17);
        double[] f = new double[LOGITS.length];
        for (int d = 0; d < draws; d++) {
            f[s.choose(LOGITS, 0, LOGITS.length, rng).token()]++;
        }
        for (int i = 0; i < f.length; i++) {
            f[i] /= draws;
        }
        return f;
    }

    @Test
    void topKThenTopPDrawsFromTheRenormalisedNucleus() {
        // Top-k 6 keeps 6 tokens; p = 0.7 of their renormalised mass keeps 3 of them. Accumulated over the whole
        // vocabulary instead (the old behaviour), p = 0.7 would keep 4.
        double[] want = reference(0.9, 6, 0.7);
        assertEquals(3, Arrays.stream(want).filter(x -> x > 0).count(), "the reference keeps three tokens");
        double[] got = frequencies(new SamplingConfig(1, 0.9, 6, 0.7), 40_000);
        for (int i = 0; i < want.length; i++) {
            if (want[i] == 0) {
                assertEquals(0.0, got[i], "token " + i + " is outside the nucleus and is never drawn");
            } else {
                // 40,000 draws: a standard error below 0.0025.
                assertEquals(want[i], got[i], 0.01, "token " + i);
            }
        }
    }

    @Test
    void topPAloneAndTemperatureMatchTheReference() {
        double[] want = reference(1.3, 0, 0.8);
        double[] got = frequencies(new SamplingConfig(1, 1.3, 0, 0.8), 40_000);
        int kept = 0;
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 0.01, "token " + i);
            kept += want[i] > 0 ? 1 : 0;
        }
        assertTrue(kept > 3 && kept < LOGITS.length, "a non-trivial nucleus: " + kept);
    }
}
