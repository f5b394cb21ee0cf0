package org.instructgpt.model.cpu;

import org.instructgpt.model.EngineFixtures;
import org.instructgpt.model.EngineKind;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.LanguageModelLoss;
import org.instructgpt.model.ModelInput;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What only the array engine promises: bit-for-bit repeatable passes, and a clear refusal of what it cannot hold. */
class ArrayEngineTest {
    @Test
    void gradientsAddUpAndRepeatBitForBit() {
        GptConfig cfg = GptConfig.of(64, 48, 64, 2, 2).withDropout(0.1);
        Gpt2Model model = EngineFixtures.referenceAnd(EngineFixtures.ARRAY_FLOAT, cfg, false)[1];
        ModelInput in = EngineFixtures.paddedInput(cfg, 2, 43);
        LanguageModelLoss.Targets t = LanguageModelLoss.shifted(in, null);
        model.grads().zero();
        double first = LanguageModelLoss.forwardBackward(model, in, t, 10.0, ForwardMode.train(3));
        float[] once = model.grads().flat().toFloatVector();
        double second = LanguageModelLoss.forwardBackward(model, in, t, 10.0, ForwardMode.train(3));
        float[] twice = model.grads().flat().toFloatVector();
        assertEquals(first, second);
        float[] doubled = new float[once.length];
        for (int i = 0; i < once.length; i++) {
            doubled[i] = once[i] + once[i];
        }
        assertArrayEquals(doubled, twice, "a second pass adds exactly the same gradient");
    }

    /**
     * A pass with no backward after it (scoring, sampling's log-probs) runs in a shared set of buffers where one layer's
     * serve every layer; passes of any size in any order still give a fresh engine's results, bit for bit.
     */
    @Test
    void evalPassesReuseOneLayerAndLeaveLaterGradientsExact() {
        GptConfig cfg = GptConfig.of(64, 48, 64, 3, 2);
        Gpt2Model model = EngineFixtures.referenceAnd(EngineFixtures.ARRAY_FLOAT, cfg, false)[1];
        Gpt2Model fresh = EngineFixtures.referenceAnd(EngineFixtures.ARRAY_FLOAT, cfg, false)[1];
        ModelInput big = EngineFixtures.paddedInput(cfg, 6, 40);
        ModelInput small = EngineFixtures.paddedInput(cfg, 2, 43);
        LanguageModelLoss.Targets tb = LanguageModelLoss.shifted(big, null);
        LanguageModelLoss.Targets ts = LanguageModelLoss.shifted(small, null);

        EvalActivations.clear();
        double evalBig = LanguageModelLoss.loss(model, big, tb, 1.0);
        ArrayActivations act = ((ArrayEngine) model.engine()).activations();
        assertTrue(act.saved[0].u == null, "an eval pass leaves the engine's own buffers alone");
        assertEquals(1, EvalActivations.held(), "it ran in a shared set and gave it back");
        assertEquals(LanguageModelLoss.loss(fresh, big, tb, 1.0), evalBig);
        assertEquals(1, EvalActivations.held(), "the second model's pass reused that set");

        model.grads().zero();
        fresh.grads().zero();
        double trainSmall = LanguageModelLoss.forwardBackward(model, small, ts, 1.0, ForwardMode.train(5));
        assertEquals(LanguageModelLoss.forwardBackward(fresh, small, ts, 1.0, ForwardMode.train(5)), trainSmall);
        assertArrayEquals(fresh.grads().flat().toFloatVector(), model.grads().flat().toFloatVector());
        assertTrue(act.saved[2].u.length == act.saved[0].u.length && act.saved[0].u.length < 6 * 40 * cfg.nInner,
                "the engine's own buffers sized for the training pass only");
        // An eval pass between two backward passes leaves the second backward exact.
        assertEquals(evalBig, LanguageModelLoss.loss(model, big, tb, 1.0));
        model.grads().zero();
        fresh.grads().zero();
        LanguageModelLoss.forwardBackward(model, big, tb, 1.0, ForwardMode.train(6));
        LanguageModelLoss.forwardBackward(fresh, big, tb, 1.0, ForwardMode.train(6));
        assertArrayEquals(fresh.grads().flat().toFloatVector(), model.grads().flat().toFloatVector());
    }

    @Test
    void aMicroBatchWhoseActivationsWouldNotFitIsRefusedNamingTheRemedy() {
        Gpt2Model m = Gpt2Model.create(GptConfig.of(50257, 1024, 64, 1, 1), DataType.FLOAT, false, EngineKind.ARRAY);
        LanguageModelLoss.Targets small = LanguageModelLoss.shifted(ModelInput.of(new int[2][64]), null);
        assertTrue(Double.isFinite(LanguageModelLoss.loss(m, ModelInput.of(new int[2][64]), small, 1.0)));
        // 64 x 1024 rows of 50,257 logits: more elements than a Java array holds.
        ModelInput big = ModelInput.of(new int[64][1024]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LanguageModelLoss.loss(m, big, LanguageModelLoss.shifted(big, null), 1.0));
        assertTrue(e.getMessage().contains("instructgpt.train.engine = nd4j"), e.getMessage());
    }

    /**
     * The kernels' exp and tanh are built from exactly rounded operations, so the vector lanes and the scalar
     * remainder give the same bits (and so does any JIT tier), and they are accurate to float precision.
     */
    @Test
    void expAndTanhAreAccurateAndTheSameInVectorAndScalarCode() {
        jdk.incubator.vector.VectorSpecies<Float> sp = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        SplittableRandom r = new SplittableRandom(1);
        float[] xs = new float[sp.length() * 200];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) (r.nextDouble() * 200 - 120);
        }
        xs[0] = -1e9f;
        xs[1] = 0f;
        // Arrays of a length that is not a multiple of the vector, so the last elements take the scalar path.
        int n = xs.length - 3;
        float[] e = new float[n];
        float sum = VectorMath.exp(xs, 0, 0f, e, 0, n);
        float[] t = new float[n];
        for (int i = 0; i < n; i++) {
            t[i] = xs[i] * 0.05f;
        }
        VectorMath.tanh(t, 0, n);
        double want = 0;
        for (int j = 0; j < n; j++) {
            float x = xs[j];
            want += e[j];
            assertEquals(Float.floatToIntBits(VectorMath.exp(x)), Float.floatToIntBits(e[j]), "exp(" + x + ")");
            assertEquals(Float.floatToIntBits(VectorMath.tanh(x * 0.05f)), Float.floatToIntBits(t[j]), "tanh");
            double strict = StrictMath.exp(x);
            if (x > -87) {
                assertEquals(strict, e[j], 3e-7 * strict, "exp(" + x + ")");
            } else {
                assertTrue(e[j] < 1e-37);
            }
            assertEquals(StrictMath.tanh(x * 0.05f), t[j], 2e-7, "tanh(" + x * 0.05f + ")");
        }
        assertEquals(want, sum, 1e-6 * want, "the returned sum");
        // Shifted, out of place: exp(x - 3) into another array at an offset.
        float[] shifted = new float[n + 5];
        VectorMath.exp(xs, 0, 3f, shifted, 5, n);
        for (int j = 0; j < n; j++) {
            assertEquals(Float.floatToIntBits(VectorMath.exp(xs[j] - 3f)), Float.floatToIntBits(shifted[5 + j]));
        }
        assertEquals(0f, VectorMath.exp(-1e9f));
        assertEquals(1f, VectorMath.exp(0f));
    }
}
