package org.instructgpt.model;

import org.instructgpt.generate.GenerationResult;
import org.instructgpt.generate.Generator;
import org.instructgpt.generate.SamplingConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused float kernels against the composed ND4J code, which runs for double precision: the same model and input
 * in float (fused) and in double (composed) must agree to float precision. Sizes are chosen off the vector width
 * (n_embd 40, head size 8, vocab 37, 19 positions) so that every kernel's remainder loop runs too.
 */
class FusedKernelsTest {
    private static final GptConfig CFG = GptConfig.of(37, 24, 40, 2, 5);

    @Test
    void theBuildRunsTheFusedKernels() {
        assertTrue(FusedKernels.available(), "surefire must start the JVM with --add-modules=jdk.incubator.vector");
    }

    private static Gpt2Model[] floatAndDouble(boolean scoreHead) {
        return floatAndDouble(CFG, scoreHead);
    }

    /** One model in double and the same parameters in float, scaled up and perturbed so no layer is near identity. */
    static Gpt2Model[] floatAndDouble(GptConfig cfg, boolean scoreHead) {
        Gpt2Model d = Gpt2Model.create(cfg, DataType.DOUBLE, scoreHead);
        d.initialize(11);
        SplittableRandom r = new SplittableRandom(5);
        INDArray flat = d.params().flat();
        for (long i = 0; i < flat.length(); i++) {
            flat.putScalar(i, flat.getDouble(i) * 5 + r.nextGaussian() * 0.05);
        }
        Gpt2Model f = Gpt2Model.create(cfg, DataType.FLOAT, scoreHead);
        f.params().flat().assign(flat.castTo(DataType.FLOAT));
        return new Gpt2Model[]{f, d};
    }

    private static ModelInput input() {
        SplittableRandom r = new SplittableRandom(9);
        int[][] ids = new int[3][19];
        int[][] mask = new int[3][19];
        for (int b = 0; b < 3; b++) {
            for (int t = 0; t < 19; t++) {
                ids[b][t] = r.nextInt(CFG.vocabSize);
                mask[b][t] = t >= 4 * b ? 1 : 0;
            }
        }
        return ModelInput.withMask(ids, mask);
    }

    private static double relativeError(INDArray a, INDArray b) {
        INDArray x = a.castTo(DataType.DOUBLE);
        INDArray y = b.castTo(DataType.DOUBLE);
        return x.sub(y).amaxNumber().doubleValue() / Math.max(1e-12, y.amaxNumber().doubleValue());
    }

    @Test
    void trainingStepInFloatMatchesDoublePrecision() {
        Gpt2Model[] m = floatAndDouble(false);
        ModelInput in = input();
        LanguageModelLoss.Targets t = LanguageModelLoss.shifted(in, null);
        double[] loss = new double[2];
        INDArray[] logits = new INDArray[2];
        for (int i = 0; i < 2; i++) {
            logits[i] = m[i].lmLogits(m[i].forward(in, null, ForwardMode.EVAL)).dup();
            m[i].grads().zero();
            loss[i] = LanguageModelLoss.forwardBackward(m[i], in, t, t.weightSum(), ForwardMode.train(1));
        }
        assertEquals(loss[1], loss[0], 1e-5 * Math.abs(loss[1]));
        assertTrue(relativeError(logits[0], logits[1]) < 1e-5, "logits");
        for (String name : m[0].grads().names()) {
            double err = relativeError(m[0].grads().get(name), m[1].grads().get(name));
            assertTrue(err < 2e-4, name + ": float gradient differs from double by " + err + " of its largest entry");
        }
    }

    @Test
    void scoreHeadInFloatMatchesDoublePrecision() {
        Gpt2Model[] m = floatAndDouble(true);
        ModelInput in = input();
        int[] rows = Gpt2Model.lastTokenRows(in);
        INDArray f = m[0].scores(m[0].forward(in, null, ForwardMode.EVAL), rows);
        INDArray d = m[1].scores(m[1].forward(in, null, ForwardMode.EVAL), rows);
        assertTrue(relativeError(f, d) < 1e-5, "scores " + f + " vs " + d);
    }

    @Test
    void cachedGenerationInFloatMatchesDoublePrecision() {
        Gpt2Model[] m = floatAndDouble(false);
        int[][] prompts = {{1, 2, 3}, {4, 5, 6, 7, 8, 9, 10}, {11}};
        long[] seeds = {1, 2, 3};
        GenerationResult f = new Generator(m[0], -1, 0).generate(prompts, seeds, SamplingConfig.greedy(12));
        GenerationResult d = new Generator(m[1], -1, 0).generate(prompts, seeds, SamplingConfig.greedy(12));
        for (int b = 0; b < prompts.length; b++) {
            assertArrayEquals(d.responseIds()[b], f.responseIds()[b], "row " + b);
            for (int s = 0; s < 12; s++) {
                assertEquals(d.logProbs()[b][s], f.logProbs()[b][s], 1e-4, "row " + b + " step " + s);
            }
        }
    }

    @Test
    void viewsWithAnOffsetAreReadAndWrittenInPlace() {
        INDArray big = Nd4j.rand(DataType.FLOAT, 5, 37);
        INDArray expected = big.dup();
        INDArray a = big.getRow(3, true);
        INDArray b = Nd4j.rand(DataType.FLOAT, 1, 37);
        assertTrue(FusedKernels.applicable(a, b));
        Residual.addInPlace(a, b);
        expected.getRow(3, true).addi(b);
        assertEquals(0.0, expected.sub(big).amaxNumber().doubleValue(), 0.0);
    }

    @Test
    void stridedViewsFallBackToNd4j() {
        INDArray m = Nd4j.rand(DataType.FLOAT, 6, 4);
        assertFalse(FusedKernels.rowMajorContiguous(m.transpose()));
        assertFalse(FusedKernels.rowMajorContiguous(m.getColumn(1, true)));
        assertTrue(FusedKernels.rowMajorContiguous(m.reshape(6, 1, 4)));
        assertFalse(FusedKernels.applicable(m.castTo(DataType.DOUBLE)));
        INDArray t = m.transpose();
        INDArray expected = t.add(1.0);
        assertEquals(0.0, expected.sub(Residual.add(t, Nd4j.ones(DataType.FLOAT, 4, 6))).amaxNumber().doubleValue(), 1e-7);
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
        for (int i = 0; i < xs.length; i += sp.length()) {
            float[] e = VectorKernels.exp(jdk.incubator.vector.FloatVector.fromArray(sp, xs, i)).toArray();
            float[] t = VectorKernels.tanh(jdk.incubator.vector.FloatVector.fromArray(sp, xs, i).mul(0.05f)).toArray();
            for (int j = 0; j < e.length; j++) {
                float x = xs[i + j];
                assertEquals(Float.floatToIntBits(VectorKernels.exp(x)), Float.floatToIntBits(e[j]), "exp(" + x + ")");
                assertEquals(Float.floatToIntBits(VectorKernels.tanh(x * 0.05f)), Float.floatToIntBits(t[j]), "tanh");
                double want = StrictMath.exp(x);
                if (x > -87) {
                    assertEquals(want, e[j], 3e-7 * want, "exp(" + x + ")");
                } else {
                    assertTrue(e[j] < 1e-37);
                }
                assertEquals(StrictMath.tanh(x * 0.05f), t[j], 2e-7, "tanh(" + x * 0.05f + ")");
            }
        }
        assertEquals(0f, VectorKernels.exp(-1e9f));
        assertEquals(1f, VectorKernels.exp(0f));
    }
}
