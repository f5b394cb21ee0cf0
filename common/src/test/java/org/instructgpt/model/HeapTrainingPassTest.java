package org.instructgpt.model;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The array-based training pass against the ND4J model in double precision: the same loss and every gradient, with
 * dropout at all three sites, padding on both sides and a loss mask, on shapes that exercise the vector tiles and
 * the scalar remainders.
 */
class HeapTrainingPassTest {
    @BeforeAll
    static void vectorApiPresent() {
        Assumptions.assumeTrue(FusedKernels.available(), "needs --add-modules jdk.incubator.vector");
    }

    static Stream<Arguments> shapes() {
        return Stream.of(
                // head dim 10, 3 rows of 19: every product in the scalar column path and the 1-row tiles
                Arguments.of(GptConfig.of(37, 24, 40, 2, 4), 3, 19),
                // head dim 32, inner 256: whole panels, 8-row tiles and remainders (2 x 43 rows)
                Arguments.of(GptConfig.of(64, 48, 64, 2, 2), 2, 43));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void lossAndEveryGradientMatchTheNd4jModelInDouble(GptConfig base, int batch, int time) {
        GptConfig cfg = base.withDropout(0.1);
        Gpt2Model[] m = FusedKernelsTest.floatAndDouble(cfg, false);
        ModelInput in = paddedInput(cfg, batch, time);
        LanguageModelLoss.Targets t = LanguageModelLoss.shifted(in, lossMask(batch, time));
        ForwardMode mode = ForwardMode.train(42);

        m[1].grads().zero();
        double want = LanguageModelLoss.forwardBackward(m[1], in, t, t.weightSum(), mode);
        m[0].grads().zero();
        double got = m[0].heapTrainingPass().lmForwardBackward(in, t, t.weightSum(), mode);

        assertEquals(want, got, 1e-5 * Math.abs(want));
        for (String name : m[0].grads().names()) {
            double err = relativeError(m[0].grads().get(name), m[1].grads().get(name));
            assertTrue(err < 2e-4, name + ": gradient differs from the double model by " + err + " of its largest entry");
        }
        // Dropout changes the loss (so the masks above were really applied), and evaluation matches the ND4J loss.
        double eval = m[0].heapTrainingPass().lmLoss(in, t, t.weightSum());
        m[1].grads().zero();
        double evalWant = LanguageModelLoss.forwardBackward(m[1], in, t, t.weightSum(), ForwardMode.EVAL);
        assertEquals(evalWant, eval, 1e-5 * Math.abs(evalWant));
        assertTrue(Math.abs(eval - got) > 1e-4 * Math.abs(eval), "dropout had no effect");
    }

    @Test
    void gradientsAddUpAndRepeatBitForBit() {
        GptConfig cfg = GptConfig.of(64, 48, 64, 2, 2).withDropout(0.1);
        Gpt2Model model = FusedKernelsTest.floatAndDouble(cfg, false)[0];
        ModelInput in = paddedInput(cfg, 2, 43);
        LanguageModelLoss.Targets t = LanguageModelLoss.shifted(in, null);
        model.grads().zero();
        double first = model.heapTrainingPass().lmForwardBackward(in, t, 10.0, ForwardMode.train(3));
        float[] once = model.grads().flat().toFloatVector();
        double second = model.heapTrainingPass().lmForwardBackward(in, t, 10.0, ForwardMode.train(3));
        float[] twice = model.grads().flat().toFloatVector();
        assertEquals(first, second);
        float[] doubled = new float[once.length];
        for (int i = 0; i < once.length; i++) {
            doubled[i] = once[i] + once[i];
        }
        assertArrayEquals(doubled, twice, "a second pass adds exactly the same gradient");
    }

    @Test
    void batchesWhoseActivationsWouldNotFitGoToTheNd4jPath() {
        Gpt2Model m = Gpt2Model.create(GptConfig.of(50257, 1024, 64, 1, 1), DataType.FLOAT, false);
        assertTrue(HeapTrainingPass.supports(m, ModelInput.of(new int[2][64])));
        // 64 x 1024 rows of 50,257 logits: more elements than a Java array holds.
        assertFalse(HeapTrainingPass.supports(m, ModelInput.of(new int[64][1024])));
    }

    private static ModelInput paddedInput(GptConfig cfg, int batch, int time) {
        SplittableRandom r = new SplittableRandom(9);
        int[][] ids = new int[batch][time];
        int[][] mask = new int[batch][time];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                ids[b][t] = r.nextInt(cfg.vocabSize);
                // row 0 right-padded, the others left-padded
                mask[b][t] = b == 0 ? (t < time - 5 ? 1 : 0) : (t >= 3 * b ? 1 : 0);
            }
        }
        return ModelInput.withMask(ids, mask);
    }

    /** Only the second half of each row is predicted, as SFT predicts only the completion. */
    private static float[] lossMask(int batch, int time) {
        float[] m = new float[batch * time];
        for (int i = 0; i < m.length; i++) {
            m[i] = i % time >= time / 2 ? 1f : 0f;
        }
        return m;
    }

    private static double relativeError(INDArray a, INDArray b) {
        INDArray x = a.castTo(DataType.DOUBLE);
        INDArray y = b.castTo(DataType.DOUBLE);
        return x.sub(y).amaxNumber().doubleValue() / Math.max(1e-12, y.amaxNumber().doubleValue());
    }
}
