package org.instructgpt.model.cpu;

import org.instructgpt.generate.GenerationResult;
import org.instructgpt.generate.Generator;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.model.EngineFixtures;
import org.instructgpt.model.EngineKind;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.LanguageModelLoss;
import org.instructgpt.model.ModelInput;
import org.instructgpt.model.PassRequest;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Arrays;
import java.util.List;
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
     * A prompt samples the same tokens with the same log-probabilities, bit for bit, alone or left-padded in a batch
     * beside longer prompts: how prompts were batched or partitioned does not reach its answer.
     */
    @Test
    void aPromptSamplesTheSameAloneAsInAnyBatch() {
        GptConfig cfg = GptConfig.of(37, 48, 64, 2, 2);
        // GPT-2's own initialisation: attention spread over many keys, so the order of a softmax's sum shows.
        Gpt2Model model = Gpt2Model.create(cfg, DataType.FLOAT, false, EngineKind.ARRAY);
        model.initialize(3);
        int[] prompt = {5, 6, 7};
        int[] longer = new int[23];
        for (int i = 0; i < longer.length; i++) {
            longer[i] = (i * 7 + 1) % cfg.vocabSize;
        }
        SamplingConfig sampling = SamplingConfig.sample(20, 1.0);
        GenerationResult alone = new Generator(model, -1, 0).generate(new int[][]{prompt}, new long[]{42}, sampling);
        for (int[][] batch : List.of(new int[][]{longer, prompt, {9, 9}}, new int[][]{prompt, Arrays.copyOf(longer, 9)})) {
            int at = batch[0] == prompt ? 0 : 1;
            long[] seeds = new long[batch.length];
            Arrays.fill(seeds, 7);
            seeds[at] = 42;
            GenerationResult mixed = new Generator(model, -1, 0).generate(batch, seeds, sampling);
            assertArrayEquals(alone.responseIds()[0], mixed.responseIds()[at]);
            assertArrayEquals(alone.logProbs()[0], mixed.logProbs()[at], "padding " + (batch[1 - at].length - 3));
        }
    }

    /**
     * A sequence's log-probabilities in a pass are the same bits alone as right-padded beside a longer sequence: the
     * batch's length does not reach a row's sums (the causal softmax pads rows to whole vectors where there is room).
     */
    @Test
    void aSequenceScoresTheSameAloneAsInAnyBatch() {
        GptConfig cfg = GptConfig.of(37, 64, 48, 2, 3);
        Gpt2Model model = EngineFixtures.referenceAnd(EngineFixtures.ARRAY_FLOAT, cfg, false)[1];
        int n = 19;
        int[][] ids = new int[2][50];
        int[][] mask = new int[2][50];
        for (int t = 0; t < 50; t++) {
            ids[0][t] = t < n ? (t * 5 + 2) % cfg.vocabSize : 0;
            mask[0][t] = t < n ? 1 : 0;
            ids[1][t] = (t * 3 + 1) % cfg.vocabSize;
            mask[1][t] = 1;
        }
        int[] aloneTargets = new int[n];
        int[] batchTargets = new int[100];
        Arrays.fill(batchTargets, -1);
        for (int t = 0; t + 1 < n; t++) {
            aloneTargets[t] = ids[0][t + 1];
            batchTargets[t] = ids[0][t + 1];
        }
        aloneTargets[n - 1] = -1;
        double[] alone = model.forward(ModelInput.of(new int[][]{Arrays.copyOf(ids[0], n)}),
                PassRequest.logProbs(aloneTargets), ForwardMode.EVAL).logProbs();
        double[] batched = model.forward(ModelInput.withMask(ids, mask), PassRequest.logProbs(batchTargets),
                ForwardMode.EVAL).logProbs();
        assertArrayEquals(Arrays.copyOf(alone, n - 1), Arrays.copyOf(batched, n - 1));
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
