package org.instructgpt.model.nd4j;

import org.instructgpt.model.EngineKind;
import org.instructgpt.model.FlatParameters;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.GptEngine;
import org.instructgpt.model.LanguageModelLoss;
import org.instructgpt.model.ModelInput;
import org.instructgpt.model.PassOutput;
import org.instructgpt.model.PassRequest;
import org.instructgpt.model.ScalarHead;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reference engine's backward against central finite differences in double precision: through the engine
 * interface (the LM loss, log-probs at a temperature with arbitrary per-token weights together with the scalar head at
 * every position, the reward score at the last token), and module by module.
 */
class GradientCheckTest {
    private static final double EPS = 1e-6;

    /** A random double model with dropout on (masks are fixed by the forward seed, so the loss is deterministic). */
    static Gpt2Model smallModel(boolean scoreHead, double dropout) {
        GptConfig cfg = GptConfig.of(13, 12, 8, 2, 2).withDropout(dropout);
        Gpt2Model m = Gpt2Model.create(cfg, DataType.DOUBLE, scoreHead, EngineKind.ND4J);
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
        // Central differences carry rounding noise in proportion to the loss, so tiny entries are compared in
        // absolute terms, relative to the gradient's largest entry.
        double floor = 1e-3 * Math.max(1.0, analytic.amaxNumber().doubleValue());
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
                double err = Math.abs(numeric - a) / Math.max(floor, Math.abs(numeric) + Math.abs(a));
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
                    PassOutput o = m.forward(in, PassRequest.logProbs(t.targets()), mode);
                    double loss = 0;
                    for (int i = 0; i < t.weights().length; i++) {
                        loss -= t.weights()[i] * o.logProbs()[i];
                    }
                    return loss / 3.0;
                });
    }

    /** PPO's shape of gradient: arbitrary weights on log-probs at a temperature, plus a value head at every position. */
    @Test
    void logProbsAtATemperatureAndTheScalarAtEveryPosition() {
        Gpt2Model m = smallModel(true, 0.1);
        ModelInput in = leftPadded();
        int n = in.batch() * in.time();
        SplittableRandom r = new SplittableRandom(12);
        int[] targets = new int[n];
        double[] wLogProb = new double[n];
        double[] wScalar = new double[n];
        for (int i = 0; i < n; i++) {
            targets[i] = i % 4 == 0 ? -1 : r.nextInt(13);
            wLogProb[i] = targets[i] < 0 ? 0 : r.nextGaussian();
            wScalar[i] = r.nextGaussian();
        }
        PassRequest request = PassRequest.logProbs(targets).atTemperature(0.6).withScalar();
        ForwardMode mode = ForwardMode.train(8);
        Supplier<Double> loss = () -> {
            PassOutput o = m.forward(in, request, mode);
            double l = 0;
            for (int i = 0; i < n; i++) {
                l += wLogProb[i] * o.logProbs()[i] + wScalar[i] * o.scalar()[i];
            }
            return l;
        };
        checkAllParameters(m, () -> {
            PassOutput o = m.forwardBackward(in, request, mode, x -> new GptEngine.OutputGradient(wLogProb, wScalar));
            double l = 0;
            for (int i = 0; i < n; i++) {
                l += wLogProb[i] * o.logProbs()[i] + wScalar[i] * o.scalar()[i];
            }
            return l;
        }, loss);
    }

    @Test
    void rewardScoreAtTheLastRealToken() {
        Gpt2Model m = smallModel(true, 0.0);
        ModelInput in = leftPadded();
        double[] coef = {0.7, -1.3};
        Supplier<Double> loss = () -> {
            double[] s = ScalarHead.scores(m, in);
            return coef[0] * s[0] + coef[1] * s[1];
        };
        checkAllParameters(m, () -> {
            double[] s = ScalarHead.forwardBackward(m, in, ForwardMode.EVAL, scores -> coef);
            return coef[0] * s[0] + coef[1] * s[1];
        }, loss);
    }

    /** The entropy a pass reports is -sum p log p of the temperature-scaled softmax of the logits. */
    @Test
    void entropyIsThatOfTheTemperatureScaledDistribution() {
        Gpt2Model m = smallModel(false, 0.0);
        ModelInput in = leftPadded();
        int n = in.batch() * in.time();
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) {
            targets[i] = i % 13;
        }
        PassOutput o = m.forward(in, PassRequest.logProbs(targets).atTemperature(1.7).withEntropy(), ForwardMode.EVAL);
        double[] logits = org.instructgpt.model.EngineFixtures.logits(m, in);
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < 13; v++) {
                max = Math.max(max, logits[i * 13 + v] / 1.7);
            }
            double z = 0;
            for (int v = 0; v < 13; v++) {
                z += Math.exp(logits[i * 13 + v] / 1.7 - max);
            }
            double h = 0;
            for (int v = 0; v < 13; v++) {
                double logp = logits[i * 13 + v] / 1.7 - max - Math.log(z);
                h -= Math.exp(logp) * logp;
            }
            assertEquals(h, o.entropy()[i], 1e-9, "row " + i);
            assertEquals(logits[i * 13 + targets[i]] / 1.7 - max - Math.log(z), o.logProbs()[i], 1e-9, "row " + i);
        }
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
