package org.instructgpt.ppo;

import org.instructgpt.model.EngineKind;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.LanguageModelLoss;
import org.instructgpt.model.ModelInput;
import org.instructgpt.train.TrainingObjective;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GAE, the KL controller and the PPO losses: hand-computed values, finite differences, the clipping cases, ptx. */
class PpoMathTest {
    private static final GptConfig CFG = GptConfig.of(13, 16, 8, 2, 2);

    @Test
    void gaeMatchesHandComputedValues() {
        // gamma 1, lambda 0.5: deltas d2 = 3 - 0.5 = 2.5, d1 = 0 + 0.5 - 1 = -0.5, d0 = 1 + 1 - 2 = 0;
        // A2 = 2.5, A1 = -0.5 + 0.5 * 2.5 = 0.75, A0 = 0 + 0.5 * 0.75 = 0.375; returns A + V.
        Gae.Result r = Gae.of(new double[]{1, 0, 3}, new double[]{2, 1, 0.5}, 1.0, 0.5);
        assertArrayEquals(new double[]{0.375, 0.75, 2.5}, r.advantages(), 1e-12);
        assertArrayEquals(new double[]{2.375, 1.75, 3.0}, r.returns(), 1e-12);
        // gamma 0.9, lambda 1: A_t = sum_k 0.9^k r_{t+k} - V_t (Monte Carlo).
        Gae.Result mc = Gae.of(new double[]{1, 2}, new double[]{0.3, 0.4}, 0.9, 1.0);
        assertArrayEquals(new double[]{1 + 0.9 * 2 - 0.3, 2 - 0.4}, mc.advantages(), 1e-12);
    }

    @Test
    void theAdaptiveKlControllerFollowsItsFormula() {
        KlController k = KlController.adaptive(0.1, 6, 10000);
        k.update(9, 64);   // error = clip(9/6 - 1, -0.2, 0.2) = 0.2
        assertEquals(0.1 * (1 + 0.2 * 64 / 10000.0), k.value(), 1e-15);
        k.update(5.4, 100);   // error = 5.4/6 - 1 = -0.1
        assertEquals(0.1 * (1 + 0.2 * 64 / 10000.0) * (1 - 0.1 * 100 / 10000.0), k.value(), 1e-15);
        KlController f = KlController.fixed(0.02);
        f.update(100, 1000);
        assertEquals(0.02, f.value(), 0);
    }

    private static Gpt2Model model(boolean scalar) {
        Gpt2Model m = Gpt2Model.create(scalar ? CFG.asScalarModel() : CFG, DataType.DOUBLE, scalar, EngineKind.ND4J);
        m.initialize(3);
        if (scalar) {
            m.initializeScoreHead(4);
        }
        return m;
    }

    /** Episodes with given old log-probs offsets (old = current - offset, so ratio = exp(offset)). */
    private static List<Rollout> episodes(Gpt2Model m, double offset, double advScale, int[][] ptx) {
        SplittableRandom r = new SplittableRandom(5);
        List<Rollout> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int[] prompt = {1 + i, 2, 3 + i};
            int[] response = new int[2 + i];
            for (int j = 0; j < response.length; j++) {
                response[j] = r.nextInt(13);
            }
            int n = response.length;
            double[] zeros = new double[n];
            double[] adv = new double[n];
            double[] ret = new double[n];
            double[] vals = new double[n];
            for (int j = 0; j < n; j++) {
                adv[j] = advScale * (r.nextDouble() - 0.5);
                ret[j] = r.nextDouble();
                vals[j] = r.nextDouble() - 0.5;
            }
            out.add(new Rollout("p" + i, prompt, response, zeros, zeros, vals, adv, ret, 0, 0, true, 0, ptx, "", "", 0, 0, Double.NaN));
        }
        if (m != null) {
            // Old log-probs = the model's own at temperature 0.7, shifted by the offset.
            RolloutBatch b = RolloutBatch.of(out, 0);
            double[] lp = m.forward(b.input(), new org.instructgpt.model.PassRequest(b.targets(), 0.7, false, false),
                    ForwardMode.EVAL).logProbs();
            List<Rollout> shifted = new ArrayList<>();
            for (int i = 0; i < out.size(); i++) {
                Rollout e = out.get(i);
                double[] old = new double[e.response().length];
                for (int j = 0; j < old.length; j++) {
                    old[j] = lp[b.rows()[i][j]] - offset;
                }
                shifted.add(new Rollout(e.promptId(), e.prompt(), e.response(), old, old, e.values(), e.advantages(),
                        e.returns(), 0, 0, true, 0, ptx, "", "", 0, 0, Double.NaN));
            }
            return shifted;
        }
        return out;
    }

    /** The summed loss's gradient from accumulate against central differences of evaluate, on a few parameters. */
    private static void checkGradient(Gpt2Model m, TrainingObjective<Rollout> obj, List<Rollout> eps) {
        m.grads().zero();
        obj.accumulate(m, eps, ForwardMode.EVAL);
        double[] g = m.grads().flat().toDoubleVector();
        SplittableRandom r = new SplittableRandom(9);
        int checked = 0;
        for (int k = 0; k < 25; k++) {
            long i = r.nextInt((int) m.params().flat().length());
            double x = m.params().flat().getDouble(i);
            double h = 1e-5;
            m.params().flat().putScalar(i, x + h);
            double up = obj.evaluate(m, eps).loss();
            m.params().flat().putScalar(i, x - h);
            double down = obj.evaluate(m, eps).loss();
            m.params().flat().putScalar(i, x);
            double fd = (up - down) / (2 * h);
            assertEquals(fd, g[(int) i], 1e-6 + 1e-4 * Math.abs(fd), "parameter " + i);
            checked += Math.abs(fd) > 1e-8 ? 1 : 0;
        }
        assertTrue(checked > 5, "most checked parameters move the loss");
    }

    @Test
    void thePolicyLossGradientMatchesFiniteDifferences() {
        Gpt2Model m = model(false);
        // Ratios near 1 (inside the clip range) and far from it (clipped on one side).
        for (double offset : new double[]{0.05, 0.5, -0.5}) {
            checkGradient(m, new PolicyLoss(0, 0.7, 0.2, 0.1, 0.8, 0), episodes(m, offset, 2, new int[0][]));
        }
    }

    @Test
    void clippedTokensHaveNoGradientAndAreCounted() {
        Gpt2Model m = model(false);
        // ratio = e^0.5 = 1.65 > 1.2: positive advantages are clipped (no gradient), negative ones are not.
        List<Rollout> eps = episodes(m, 0.5, 2, new int[0][]);
        PolicyLoss loss = new PolicyLoss(0, 0.7, 0.2, 0, 0, 0);
        TrainingObjective.LossSum s = loss.evaluate(m, eps);
        long positive = eps.stream().flatMapToDouble(e -> java.util.Arrays.stream(e.advantages())).filter(a -> a > 0).count();
        long tokens = eps.stream().mapToLong(e -> e.response().length).sum();
        assertEquals((double) positive / tokens, s.metrics().mean("policy/clipfrac"), 1e-12);
        List<Rollout> onlyPositive = new ArrayList<>();
        for (Rollout e : eps) {
            double[] a = e.advantages().clone();
            for (int j = 0; j < a.length; j++) {
                a[j] = Math.abs(a[j]) + 0.1;
            }
            onlyPositive.add(new Rollout(e.promptId(), e.prompt(), e.response(), e.logProbs(), e.refLogProbs(), e.values(),
                    a, e.returns(), 0, 0, true, 0, e.ptx(), "", "", 0, 0, Double.NaN));
        }
        m.grads().zero();
        loss.accumulate(m, onlyPositive, ForwardMode.EVAL);
        assertEquals(0.0, m.grads().flat().norm2Number().doubleValue(), 0.0, "every token clipped: no gradient");
    }

    @Test
    void atTheFirstMinibatchTheRatioIsOneAndTheApproximateKlZero() {
        Gpt2Model m = model(false);
        TrainingObjective.LossSum s = new PolicyLoss(0, 0.7, 0.2, 0, 0, 0).evaluate(m, episodes(m, 0, 1, new int[0][]));
        assertEquals(1.0, s.metrics().mean("val/ratio"), 1e-12);
        assertEquals(0.0, s.metrics().mean("policy/approxkl"), 1e-20);
        assertEquals(0.0, s.metrics().mean("policy/clipfrac"), 0);
    }

    @Test
    void theValueLossGradientMatchesFiniteDifferences() {
        Gpt2Model v = model(true);
        // Old values near the current ones and far from them (clipped).
        checkGradient(v, new ValueLoss(0, 0.2, 0.5), episodes(null, 0, 1, new int[0][]));
        checkGradient(v, new ValueLoss(0, 0.05, 1.0), episodes(null, 0, 1, new int[0][]));
    }

    @Test
    void thePtxGradientIsGammaTimesTheLanguageModelGradient() {
        Gpt2Model m = model(false);
        int[][] blocks = {{1, 4, 2, 7, 9, 3}, {5, 5, 6, 1, 0, 12}};
        // Zero advantages: the policy term has no gradient, only ptx remains.
        List<Rollout> eps = episodes(m, 0, 0, blocks);
        double gamma = 2.5;
        m.grads().zero();
        new PolicyLoss(0, 0.7, 0.2, 0, 0, gamma).accumulate(m, eps, ForwardMode.EVAL);
        double[] ptx = m.grads().flat().toDoubleVector();

        m.grads().zero();
        int[][] all = new int[eps.size() * blocks.length][];
        for (int i = 0; i < all.length; i++) {
            all[i] = blocks[i % blocks.length];
        }
        ModelInput in = ModelInput.of(all);
        LanguageModelLoss.Targets t = LanguageModelLoss.shifted(in, null);
        // The mean LM loss over each episode's tokens, summed over the episodes (the trainer divides by their number).
        LanguageModelLoss.forwardBackward(m, in, t, t.weightSum() / eps.size(), ForwardMode.EVAL);
        double[] lm = m.grads().flat().toDoubleVector();
        for (int i = 0; i < lm.length; i++) {
            assertEquals(gamma * lm[i], ptx[i], 1e-12 + 1e-9 * Math.abs(lm[i]));
        }
        assertTrue(java.util.Arrays.stream(lm).map(Math::abs).max().orElse(0) > 1e-6);
    }

    @Test
    void theKlWarningWaitsForTwoStandardErrors() {
        // Per-episode KL -0.1, 0.2, -0.3, 0.0: mean -0.05, sample deviation 0.2082, standard error 0.1041.
        double[] kl = {-0.1, 0.2, -0.3, 0.0};
        double sum = 0;
        double sq = 0;
        for (double k : kl) {
            sum += k;
            sq += k * k;
        }
        RolloutStats st = new RolloutStats(4, 40, 0, 0, sum, sq, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        double mean = sum / 4;
        double var = 0;
        for (double k : kl) {
            var += (k - mean) * (k - mean) / 3;
        }
        assertEquals(Math.sqrt(var / 4), st.klStandardError(), 1e-12);
        assertTrue(mean > -2 * st.klStandardError(), "within noise: no warning");
    }
}
