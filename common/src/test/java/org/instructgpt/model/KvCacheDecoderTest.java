package org.instructgpt.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The array decoder against the ND4J model's cached forward in double precision, step by step. */
class KvCacheDecoderTest {
    static Stream<Arguments> shapes() {
        return Stream.of(
                // head dim 8 (below one vector), widths and vocab off every vector multiple, 3 rows (no 4-row tile)
                Arguments.of(GptConfig.of(37, 48, 24, 2, 3), 3, 19),
                // head dim 32 and 40 cached keys (whole vectors of keys), 5 rows (a 4-row tile and a single row)
                Arguments.of(GptConfig.of(259, 48, 64, 2, 2), 5, 20));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void logitsMatchTheModelsCachedForwardEveryStep(GptConfig cfg, int batch, int promptLen) {
        assertTrue(FusedKernels.available(), "the test JVM runs with the Vector API");
        Gpt2Model[] m = FusedKernelsTest.floatAndDouble(cfg, false);
        Gpt2Model f = m[0];
        Gpt2Model d = m[1];
        SplittableRandom r = new SplittableRandom(8);

        int steps = 6;
        KvCache cache = new KvCache(cfg, DataType.DOUBLE, batch, promptLen + steps);
        KvCacheDecoder decoder = new KvCacheDecoder(f, batch, promptLen + steps);
        // Left-padded prompts: row b starts with 3b padding positions.
        int[] ids = new int[batch * promptLen];
        int[] pos = new int[batch * promptLen];
        float[] mask = new float[batch * promptLen];
        int[] next = new int[batch];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < promptLen; t++) {
                int i = b * promptLen + t;
                boolean real = t >= 3 * b;
                ids[i] = real ? r.nextInt(cfg.vocabSize) : 0;
                mask[i] = real ? 1 : 0;
                pos[i] = real ? t - 3 * b : 0;
            }
            next[b] = promptLen - 3 * b;
        }
        ModelInput in = new ModelInput(batch, promptLen, ids, pos, mask);
        for (int step = 0; step <= steps; step++) {
            int[] rows = new int[batch * in.time()];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = i;
            }
            double[] expected = d.lmLogits(d.forward(in, cache, ForwardMode.EVAL)).data().asDouble();
            float[] actual = decoder.forward(in, rows);
            double scale = 0;
            for (double v : expected) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < in.time(); t++) {
                    if (in.mask()[b * in.time() + t] == 0) {
                        continue;
                    }
                    for (int v = 0; v < cfg.vocabSize; v++) {
                        int i = (b * in.time() + t) * cfg.vocabSize + v;
                        assertEquals(expected[i], actual[i], 1e-4 * scale, "step " + step + " row " + b + " position " + t);
                    }
                }
            }
            if (step == steps) {
                break;
            }
            int[] nid = new int[batch];
            int[] npos = new int[batch];
            float[] nmask = new float[batch];
            for (int b = 0; b < batch; b++) {
                nid[b] = r.nextInt(cfg.vocabSize);
                npos[b] = next[b]++;
                nmask[b] = 1;
            }
            in = new ModelInput(batch, 1, nid, npos, nmask);
        }
        assertEquals(promptLen + steps, decoder.length());
    }

    @Test
    void refusesInputBeyondItsCapacity() {
        GptConfig cfg = GptConfig.of(37, 16, 24, 1, 3);
        Gpt2Model f = Gpt2Model.create(cfg, DataType.FLOAT, false);
        f.initialize(1);
        KvCacheDecoder decoder = new KvCacheDecoder(f, 1, 4);
        ModelInput in = new ModelInput(1, 5, new int[]{1, 2, 3, 4, 5}, new int[]{0, 1, 2, 3, 4}, new float[]{1, 1, 1, 1, 1});
        assertThrows(IllegalStateException.class, () -> decoder.forward(in, new int[]{4}));
        assertThrows(IllegalArgumentException.class, () -> new KvCacheDecoder(f, 1, 17));
    }
}
