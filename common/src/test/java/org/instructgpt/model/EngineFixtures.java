package org.instructgpt.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.SplittableRandom;

/** Models, inputs and comparisons shared by the engine tests. */
public final class EngineFixtures {
    private EngineFixtures() {
    }

    /** A model under test: its engine and precision, named for the test report. */
    public record Setup(String name, EngineKind engine, DataType dtype) {
        @Override
        public String toString() {
            return name;
        }
    }

    public static final Setup ND4J_DOUBLE = new Setup("nd4j/double", EngineKind.ND4J, DataType.DOUBLE);
    public static final Setup ND4J_FLOAT = new Setup("nd4j/float", EngineKind.ND4J, DataType.FLOAT);
    public static final Setup ARRAY_FLOAT = new Setup("array/float", EngineKind.ARRAY, DataType.FLOAT);

    /**
     * The reference (ND4J, double) with random parameters scaled up and perturbed so no layer is near identity, and a
     * model on {@code setup} holding the same parameters.
     */
    public static Gpt2Model[] referenceAnd(Setup setup, GptConfig cfg, boolean scoreHead) {
        Gpt2Model d = Gpt2Model.create(cfg, DataType.DOUBLE, scoreHead, EngineKind.ND4J);
        d.initialize(11);
        SplittableRandom r = new SplittableRandom(5);
        INDArray flat = d.params().flat();
        double[] v = flat.toDoubleVector();
        for (int i = 0; i < v.length; i++) {
            v[i] = v[i] * 5 + r.nextGaussian() * 0.05;
        }
        flat.assign(org.nd4j.linalg.factory.Nd4j.createFromArray(v));
        Gpt2Model m = Gpt2Model.create(cfg, setup.dtype(), scoreHead, setup.engine());
        m.params().flat().assign(flat.castTo(setup.dtype()));
        return new Gpt2Model[]{d, m};
    }

    /** Random ids; row 0 right-padded by 5, row b > 0 left-padded by 3b. */
    public static ModelInput paddedInput(GptConfig cfg, int batch, int time) {
        SplittableRandom r = new SplittableRandom(9);
        int[][] ids = new int[batch][time];
        int[][] mask = new int[batch][time];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                ids[b][t] = r.nextInt(cfg.vocabSize);
                mask[b][t] = b == 0 ? (t < time - 5 ? 1 : 0) : (t >= 3 * b ? 1 : 0);
            }
        }
        return ModelInput.withMask(ids, mask);
    }

    /**
     * A reward model's batch: {@code prompts} random prompts of 5-12 tokens, each followed by {@code k} >= 3 random
     * responses, right-padded to {@code time}. In each group the second response repeats the first (a tie) and the
     * third is the first's strict prefix, so every way a sequence can share rows with the one before it occurs.
     */
    public static ModelInput sharedPromptInput(GptConfig cfg, int prompts, int k, int time) {
        SplittableRandom r = new SplittableRandom(13);
        int[][] ids = new int[prompts * k][time];
        int[][] mask = new int[prompts * k][time];
        for (int p = 0; p < prompts; p++) {
            int promptLength = 5 + r.nextInt(8);
            int[] prompt = r.ints(promptLength, 0, cfg.vocabSize).toArray();
            int[] first = null;
            for (int j = 0; j < k; j++) {
                int[] seq = j == 1 ? first : j == 2 ? java.util.Arrays.copyOf(first, first.length - 2)
                        : concat(prompt, r.ints(3 + r.nextInt(time - promptLength - 2), 0, cfg.vocabSize).toArray());
                first = j == 0 ? seq : first;
                int b = p * k + j;
                System.arraycopy(seq, 0, ids[b], 0, seq.length);
                java.util.Arrays.fill(mask[b], 0, seq.length, 1);
            }
        }
        return ModelInput.withMask(ids, mask);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Only the second half of each row is predicted, as SFT predicts only the completion. */
    public static float[] secondHalfMask(int batch, int time) {
        float[] m = new float[batch * time];
        for (int i = 0; i < m.length; i++) {
            m[i] = i % time >= time / 2 ? 1f : 0f;
        }
        return m;
    }

    /** Logits of every row of {@code in}, through the model's decoder on an empty cache. */
    public static double[] logits(Gpt2Model m, ModelInput in) {
        int[] rows = new int[in.batch() * in.time()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
        }
        return m.decoder(in.batch(), in.time()).forward(in, rows);
    }

    /** max |a - b| / max |b|. */
    public static double relativeError(double[] a, double[] b) {
        double diff = 0;
        double scale = 1e-12;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return diff / scale;
    }

    public static double relativeError(INDArray a, INDArray b) {
        return relativeError(flat(a), flat(b));
    }

    private static double[] flat(INDArray a) {
        return a.dup('c').castTo(DataType.DOUBLE).reshape(a.length()).toDoubleVector();
    }
}
