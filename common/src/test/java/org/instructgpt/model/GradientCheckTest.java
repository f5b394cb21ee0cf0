package org.instructgpt.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every backward pass against central finite differences, in double precision. */
class GradientCheckTest {
    private static final double EPS = 1e-6;

    /** A random double model with dropout on (masks are fixed by the forward seed, so the loss is deterministic). */
    static Gpt2Model smallModel(boolean scoreHead, double dropout) {
        GptConfig cfg = GptConfig.of(13, 12, 8, 2, 2).withDropout(dropout);
        Gpt2Model m = Gpt2Model.create(cfg, DataType.DOUBLE, scoreHead);
        m.initialize(7);
        // Larger weights than GPT-2's 0.02 make every term of the gradient matter.
        SplittableRandom r = new SplittableRandom(3);
        INDArray flat = m.params().flat();
        for (long i = 0; i < flat.length(); i++) {
            flat.putScalar(i, flat.getDouble(i) * 10 + r.nextGaussian() * 0.3);
        }
        return m;
    }

    static ModelInput leftPadded() {
        int[][] ids = {{12, 12, 3, 5, 7, 1, 2, 9}, {4, 8, 1, 0, 11, 6, 2, 3}};
        int[][] mask = {{0, 0, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1}};
        return ModelInput.withMask(ids, mask);
    }

    /** Checks d(loss)/d(param) for every tensor (up to 24 evenly spaced entries each) against (L(p+e) - L(p-e)) / 2e. */
    static void checkAllParameters(Gpt2Model m, Supplier<Double> lossAndBackward, Supplier<Double> lossOnly) {
        m.grads().zero();
        lossAndBackward.get();
        INDArray analytic = m.grads().flat().dup();
        INDArray flat = m.params().flat();
        double worst = 0;
        String worstAt = "";
        for (String name : m.params().names()) {
            FlatParameters.Entry e = m.params().entry(name);
            long stride = Math.max(1, e.length() / 24);
            for (long i = e.offset(); i < e.offset() + e.length(); i += stride) {
                double orig = flat.getDouble(i);
                flat.putScalar(i, orig + EPS);
                double up = lossOnly.get();
                flat.putScalar(i, orig - EPS);
                double down = lossOnly.get();
                flat.putScalar(i, orig);
                double numeric = (up - down) / (2 * EPS);
                double a = analytic.getDouble(i);
                double err = Math.abs(numeric - a) / Math.max(1e-3, Math.abs(numeric) + Math.abs(a));
                if (err > worst) {
                    worst = err;
                    worstAt = name + "[" + (i - e.offset()) + "] analytic " + a + " numeric " + numeric;
                }
            }
        }
        assertTrue(worst < 1e-5, "worst relative gradient error " + worst + " at " + worstAt);
    }

    @Test
    void languageModelWithPaddingWeightsAndDropout() {
        Gpt2Model m = smallModel(false, 0.1);
        ModelInput in = leftPadded();
        float[] lossMask = {0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1};
        LanguageModelLoss.Targets t = LanguageModelLoss.shifted(in, lossMask);
        ForwardMode mode = ForwardMode.train(42);
        checkAllParameters(m,
                () -> LanguageModelLoss.forwardBackward(m, in, t, 3.0, mode),
                () -> {
                    INDArray logits = m.lmLogits(m.forward(in, null, mode));
                    return TokenCrossEntropy.lossAndGradient(logits, t.targets(), t.weights(), 3.0, true).loss();
                });
    }

    @Test
    void scalarHead() {
        Gpt2Model m = smallModel(true, 0.0);
        ModelInput in = leftPadded();
        int[] rows = Gpt2Model.lastTokenRows(in);
        double[] coef = {0.7, -1.3};
        Supplier<Double> loss = () -> {
            INDArray s = m.scores(m.forward(in, null, ForwardMode.EVAL), rows);
            return coef[0] * s.getDouble(0) + coef[1] * s.getDouble(1);
        };
        checkAllParameters(m, () -> {
            INDArray hidden = m.forward(in, null, ForwardMode.EVAL);
            INDArray s = m.scores(hidden, rows);
            double l = coef[0] * s.getDouble(0) + coef[1] * s.getDouble(1);
            m.backward(m.scoreBackward(Nd4j.createFromArray(coef), hidden.rows()));
            return l;
        }, loss);
    }

    /** Input gradients of single modules, for a loss sum(y * w) with a random w. */
    @Test
    void moduleInputGradients() {
        GptConfig cfg = GptConfig.of(13, 12, 8, 1, 2).withDropout(0.2);
        Gpt2Model holder = smallModel(false, 0.2);
        FlatParameters p = holder.params();
        FlatParameters g = holder.grads();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 8).subi(0.5).muli(4);
        ForwardMode mode = ForwardMode.train(5);

        LayerNorm ln = new LayerNorm(p, g, "transformer.h.0.ln_1", 1e-5);
        checkInput(x, ln::forward, ln::backward);

        GeluNew gelu = new GeluNew();
        checkInput(x, gelu::forward, gelu::backward);

        Conv1D fc = new Conv1D(p, g, "transformer.h.0.mlp.c_fc");
        checkInput(x, fc::forward, fc::backward);

        Dropout drop = new Dropout(0.3, 9);
        checkInput(x, v -> drop.forward(v, mode), drop::backward);

        CausalSelfAttention attn = new CausalSelfAttention(cfg, p, g, "transformer.h.0.attn", 0);
        double[] bias = new double[2 * 3 * 3];
        for (int b = 0; b < 2; b++) {
            for (int q = 0; q < 3; q++) {
                for (int k = 0; k < 3; k++) {
                    bias[(b * 3 + q) * 3 + k] = k == q || (k <= q && !(b == 0 && k == 0)) ? 0 : -1e9;
                }
            }
        }
        INDArray maskBias = Nd4j.createFromArray(bias).reshape(2, 1, 3, 3);
        checkInput(x, v -> attn.forward(v, 2, 3, maskBias, null, mode), attn::backward);
    }

    interface Fn {
        INDArray apply(INDArray x);
    }

    static void checkInput(INDArray x, Fn forward, Fn backward) {
        INDArray y = forward.apply(x);
        INDArray w = Nd4j.rand(new SplittableRandom(1).nextLong(), y.shape()).castTo(DataType.DOUBLE).subi(0.5);
        INDArray dx = backward.apply(w.dup());
        for (long i = 0; i < x.length(); i++) {
            double orig = x.getDouble(i);
            x.putScalar(i, orig + EPS);
            double up = forward.apply(x).mul(w).sumNumber().doubleValue();
            x.putScalar(i, orig - EPS);
            double down = forward.apply(x).mul(w).sumNumber().doubleValue();
            x.putScalar(i, orig);
            double numeric = (up - down) / (2 * EPS);
            double a = dx.getDouble(i);
            double err = Math.abs(numeric - a) / Math.max(1e-3, Math.abs(numeric) + Math.abs(a));
            assertTrue(err < 1e-5, "input " + i + ": analytic " + a + " numeric " + numeric);
        }
        forward.apply(x);
    }
}
