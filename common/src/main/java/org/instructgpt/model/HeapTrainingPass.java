package org.instructgpt.model;

import org.instructgpt.model.HeapGemm.Operand;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.util.Arrays;

import static org.instructgpt.model.ArrayKernels.add;
import static org.instructgpt.model.ArrayKernels.gelu;
import static org.instructgpt.model.ArrayKernels.geluBackward;
import static org.instructgpt.model.ArrayKernels.multiply;
import static org.instructgpt.model.ArrayKernels.scale;

/**
 * The causal-LM training forward and backward pass of a float32 {@link Gpt2Model} on Java arrays: the model's
 * parameters are copied in, every product runs in {@link HeapGemm}, the rest in Vector API loops, and the gradient is
 * added to the model's gradient buffer. A training step on ND4J spends a third of its time outside the products
 * (one op call per small array, permute copies around attention, off-heap access from Java) and its products run at
 * OpenBLAS's ~85 GFLOP/s; here the products run at 130-160 (docs/benchmarks.md). The ND4J modules stay the
 * reference and the path for double precision and GPUs: tests hold the two to the same loss and gradients, dropout
 * included (both draw {@link DropoutMask}).
 *
 * <p>One instance per model replica; activations are kept between calls and grow to the largest batch seen.
 */
public final class HeapTrainingPass {

    /** Offsets of one block's tensors in the flat parameter (and gradient) buffer. */
    private record Layer(int ln1g, int ln1b, int attnW, int attnB, int projW, int projB, int ln2g, int ln2b, int fcW,
                         int fcB, int outW, int outB, float scale) {
    }

    /** What one block keeps from the forward pass for the backward pass. */
    private static final class Saved {
        float[] xhat1, rstd1, h1, qkv, probs, attnKeep, att, residKeep1, xhat2, rstd2, h2, u, tanh, act, residKeep2;
    }

    private final Gpt2Model model;
    private final GptConfig cfg;
    private final int c;
    private final int heads;
    private final int d;
    private final int inner;
    private final int vocab;
    private final float eps;
    private final int wte;
    private final int wpe;
    private final int lnfG;
    private final int lnfB;
    private final Layer[] layers;
    private final float[] p;
    private final float[] g;
    private final Saved[] saved;
    // Sizes the buffers were allocated for.
    private int rows;
    private int attnSize;
    private int maxTime;
    // The forward pass's inputs and what the final LayerNorm and the head keep.
    private ModelInput input;
    private float[] embKeep;
    private float[] x;
    private float[] xhatF;
    private float[] rstdF;
    private float[] hF;
    private float[] logits;
    // Scratch.
    private float[] rowsC;
    private float[] rowsC2;
    private float[] rowsInner;
    private float[] rows3C;
    private float[] square;
    private float[] dProbs;
    private float[] keyBias;
    private final float[] gradScratch;

    /** Whether this pass can stand in for {@code m}'s ND4J forward and backward: float32 weights and the Vector API. */
    public static boolean supports(Gpt2Model m) {
        return FusedKernels.onArrays(m);
    }

    /**
     * Whether the pass can run {@code in} on {@code m}: {@link #supports} and activations that fit, with every array
     * under Java's 2^31 elements and the whole under half the JVM's heap (beyond that the ND4J path, whose memory is
     * off-heap, runs instead).
     */
    public static boolean supports(Gpt2Model m, ModelInput in) {
        if (!supports(m)) {
            return false;
        }
        GptConfig c = m.config();
        long n = (long) in.batch() * in.time();
        long attn = (long) in.batch() * c.nHead * in.time() * in.time();
        long largest = Math.max(Math.max(attn, n * c.vocabSize), n * Math.max(3L * c.nEmbd, c.nInner));
        if (largest >= Integer.MAX_VALUE) {
            return false;
        }
        long perLayer = 7 * n * c.nEmbd + 2 * n + n * 3L * c.nEmbd + attn + 3 * n * c.nInner;
        long floats = c.nLayer * perLayer + n * c.vocabSize + 8 * n * c.nEmbd + n * (3L * c.nEmbd + c.nInner)
                + 3 * m.params().size();
        return 4 * floats < Runtime.getRuntime().maxMemory() / 2;
    }

    HeapTrainingPass(Gpt2Model model) {
        this.model = model;
        cfg = model.config();
        FlatParameters fp = model.params();
        c = cfg.nEmbd;
        heads = cfg.nHead;
        d = cfg.headDim();
        inner = cfg.nInner;
        vocab = cfg.vocabSize;
        eps = (float) cfg.layerNormEpsilon;
        wte = offset(fp, Gpt2Model.WTE);
        wpe = offset(fp, Gpt2Model.WPE);
        lnfG = offset(fp, "transformer.ln_f.weight");
        lnfB = offset(fp, "transformer.ln_f.bias");
        layers = new Layer[cfg.nLayer];
        saved = new Saved[cfg.nLayer];
        for (int l = 0; l < cfg.nLayer; l++) {
            String h = "transformer.h." + l;
            float scale = (float) cfg.attentionScale(l);
            layers[l] = new Layer(offset(fp, h + ".ln_1.weight"), offset(fp, h + ".ln_1.bias"),
                    offset(fp, h + ".attn.c_attn.weight"), offset(fp, h + ".attn.c_attn.bias"),
                    offset(fp, h + ".attn.c_proj.weight"), offset(fp, h + ".attn.c_proj.bias"),
                    offset(fp, h + ".ln_2.weight"), offset(fp, h + ".ln_2.bias"),
                    offset(fp, h + ".mlp.c_fc.weight"), offset(fp, h + ".mlp.c_fc.bias"),
                    offset(fp, h + ".mlp.c_proj.weight"), offset(fp, h + ".mlp.c_proj.bias"), scale);
            saved[l] = new Saved();
        }
        p = new float[(int) fp.size()];
        g = new float[(int) fp.size()];
        gradScratch = new float[g.length];
    }

    private static int offset(FlatParameters fp, String name) {
        return (int) fp.entry(name).offset();
    }

    /**
     * One forward and backward of the LM loss, normalised by {@code normalizer}; the gradient is added to the model's
     * gradient buffer. Returns the normalised loss, as {@link LanguageModelLoss#forwardBackward} does.
     */
    public double lmForwardBackward(ModelInput in, LanguageModelLoss.Targets targets, double normalizer, ForwardMode mode) {
        readParameters();
        forward(in, mode);
        logits(in.batch() * in.time());
        double loss = crossEntropy(targets, normalizer, true);
        Arrays.fill(g, 0f);
        backward();
        addGradients(model.grads().flat());
        return loss;
    }

    /** The LM loss without dropout or gradients (validation), normalised by {@code normalizer}. */
    public double lmLoss(ModelInput in, LanguageModelLoss.Targets targets, double normalizer) {
        readParameters();
        forward(in, ForwardMode.EVAL);
        logits(in.batch() * in.time());
        return crossEntropy(targets, normalizer, false);
    }

    private void readParameters() {
        FloatBuffer src = VectorKernels.bytes(model.params().flat()).asFloatBuffer();
        src.get(0, p);
    }

    private void addGradients(INDArray flat) {
        FloatBuffer dst = VectorKernels.bytes(flat).asFloatBuffer();
        float[] acc = gradScratch;
        dst.get(0, acc, 0, g.length);
        add(acc, 0, g, 0, g.length);
        dst.put(0, acc, 0, g.length);
    }

    private void allocate(int b, int t) {
        int n = b * t;
        int attn = b * heads * t * t;
        if (n <= rows && attn <= attnSize && t <= maxTime) {
            return;
        }
        rows = Math.max(n, rows);
        attnSize = Math.max(attn, attnSize);
        maxTime = Math.max(t, maxTime);
        for (Saved s : saved) {
            s.xhat1 = new float[rows * c];
            s.rstd1 = new float[rows];
            s.h1 = new float[rows * c];
            s.qkv = new float[rows * 3 * c];
            s.probs = new float[attnSize];
            s.att = new float[rows * c];
            s.xhat2 = new float[rows * c];
            s.rstd2 = new float[rows];
            s.h2 = new float[rows * c];
            s.u = new float[rows * inner];
            s.tanh = new float[rows * inner];
            s.act = new float[rows * inner];
        }
        x = new float[rows * c];
        xhatF = new float[rows * c];
        rstdF = new float[rows];
        hF = new float[rows * c];
        logits = new float[rows * vocab];
        rowsC = new float[rows * c];
        rowsC2 = new float[rows * c];
        rowsInner = new float[rows * inner];
        rows3C = new float[rows * 3 * c];
        square = new float[maxTime * maxTime];
        dProbs = new float[maxTime * maxTime];
        keyBias = new float[maxTime];
    }

    // ---------------------------------------------------------------------------------------------- forward

    private void forward(ModelInput in, ForwardMode mode) {
        Gpt2Model.checkIdsAndPositions(in, cfg);
        int b = in.batch();
        int t = in.time();
        int n = b * t;
        allocate(b, t);
        input = in;
        for (int i = 0; i < n; i++) {
            int at = wte + in.ids()[i] * c;
            int pos = wpe + in.positions()[i] * c;
            for (int e = 0; e < c; e++) {
                x[i * c + e] = p[at + e] + p[pos + e];
            }
        }
        embKeep = dropout(x, n * c, cfg.embdPdrop, mode, 0);
        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            Saved s = saved[l];
            layerNorm(x, n, w.ln1g(), w.ln1b(), s.xhat1, s.rstd1, s.h1);
            HeapGemm.gemm(Operand.rows(s.h1, 0, c), Operand.rows(p, w.attnW(), 3 * c), s.qkv, 0, 3 * c, n, 3 * c, c,
                    p, w.attnB(), false);
            s.attnKeep = attend(s, b, t, w.scale(), mode, 1000L * l + 1);
            HeapGemm.gemm(Operand.rows(s.att, 0, c), Operand.rows(p, w.projW(), c), rowsC, 0, c, n, c, c, p, w.projB(),
                    false);
            s.residKeep1 = dropout(rowsC, n * c, cfg.residPdrop, mode, 1000L * l + 2);
            add(x, 0, rowsC, 0, n * c);
            layerNorm(x, n, w.ln2g(), w.ln2b(), s.xhat2, s.rstd2, s.h2);
            HeapGemm.gemm(Operand.rows(s.h2, 0, c), Operand.rows(p, w.fcW(), inner), s.u, 0, inner, n, inner, c, p,
                    w.fcB(), false);
            gelu(s.u, s.tanh, s.act, n * inner);
            HeapGemm.gemm(Operand.rows(s.act, 0, inner), Operand.rows(p, w.outW(), c), rowsC, 0, c, n, c, inner, p,
                    w.outB(), false);
            s.residKeep2 = dropout(rowsC, n * c, cfg.residPdrop, mode, 1000L * l + 3);
            add(x, 0, rowsC, 0, n * c);
        }
        layerNorm(x, n, lnfG, lnfB, xhatF, rstdF, hF);
    }

    /** The tied head: logits [n, vocab] = hF wte^T. */
    private void logits(int n) {
        HeapGemm.gemm(Operand.rows(hF, 0, c), Operand.transposed(p, wte, c), logits, 0, vocab, n, vocab, c, null, 0,
                false);
    }

    /** In place: x *= keep / (1 - p); returns those scaled keep flags, or null when dropout is off. */
    private static float[] dropout(float[] x, int n, double p, ForwardMode mode, long site) {
        float[] keep = scaledKeep(n, p, mode, site);
        if (keep != null) {
            multiply(x, 0, keep, 0, x, 0, n);
        }
        return keep;
    }

    /** The site's keep flags times 1 / (1 - p) (inverted dropout), or null when dropout is off. */
    private static float[] scaledKeep(int n, double p, ForwardMode mode, long site) {
        if (p <= 0 || !mode.training()) {
            return null;
        }
        float[] keep = DropoutMask.draw(mode.dropoutSeed(), site, n, p);
        scale(keep, 0, n, (float) (1.0 / (1.0 - p)));
        return keep;
    }

    /**
     * Causal self-attention of every head from the block's qkv [n, 3c] into its att [n, c]; keeps the probabilities
     * (before attention dropout) and returns the dropout's scaled keep flags (null without dropout). A query sees the
     * keys at or before it whose mask is 1, and always itself, as {@link Gpt2Model}'s mask says.
     */
    private float[] attend(Saved s, int b, int t, float scale, ForwardMode mode, long site) {
        int tt = t * t;
        float[] keep = scaledKeep(b * heads * tt, cfg.attnPdrop, mode, site);
        int ld = 3 * c;
        for (int bi = 0; bi < b; bi++) {
            int rowBase = bi * t * ld;
            for (int k = 0; k < t; k++) {
                keyBias[k] = input.mask()[bi * t + k] != 0 ? 0f : Float.NEGATIVE_INFINITY;
            }
            for (int h = 0; h < heads; h++) {
                int pBase = (bi * heads + h) * tt;
                HeapGemm.gemm(Operand.rows(s.qkv, rowBase + h * d, ld), Operand.transposed(s.qkv, rowBase + c + h * d, ld),
                        s.probs, pBase, t, t, t, d, null, 0, false);
                for (int q = 0; q < t; q++) {
                    // Causal: keys after q get probability 0.
                    ArrayKernels.maskedSoftmax(s.probs, pBase + q * t, q + 1, scale, keyBias, 0, q);
                    Arrays.fill(s.probs, pBase + q * t + q + 1, pBase + (q + 1) * t, 0f);
                }
                float[] pd = s.probs;
                int pdOff = pBase;
                if (keep != null) {
                    multiply(s.probs, pBase, keep, pBase, square, 0, tt);
                    pd = square;
                    pdOff = 0;
                }
                HeapGemm.gemm(Operand.rows(pd, pdOff, t), Operand.rows(s.qkv, rowBase + 2 * c + h * d, ld), s.att,
                        bi * t * c + h * d, c, t, d, t, null, 0, false);
            }
        }
        return keep;
    }

    // ---------------------------------------------------------------------------------------------- loss

    /**
     * Cross-entropy of the logits against the targets, weighted; with {@code gradient}, the logits are replaced by
     * dLoss/dLogits. Rows of weight 0 contribute nothing (their gradient is 0).
     */
    private double crossEntropy(LanguageModelLoss.Targets targets, double normalizer, boolean gradient) {
        int n = input.batch() * input.time();
        int[] tg = targets.targets();
        float[] w = targets.weights();
        if (tg.length != n || w.length != n) {
            throw new IllegalArgumentException("targets and weights must have " + n + " entries");
        }
        double loss = 0;
        for (int i = 0; i < n; i++) {
            int at = i * vocab;
            if (w[i] == 0) {
                if (gradient) {
                    Arrays.fill(logits, at, at + vocab, 0f);
                }
                continue;
            }
            if (tg[i] < 0 || tg[i] >= vocab) {
                throw new IllegalArgumentException("target id " + tg[i] + " at row " + i + " is outside the vocabulary of " + vocab);
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logits[at + v]);
            }
            float target = logits[at + tg[i]];
            float sum = ArrayKernels.expShifted(logits, at, vocab, max);
            loss += w[i] * (Math.log(sum) + max - target);
            if (gradient) {
                float f = (float) (w[i] / normalizer / sum);
                scale(logits, at, vocab, f);
                logits[at + tg[i]] -= (float) (w[i] / normalizer);
            }
        }
        return loss / normalizer;
    }

    // ---------------------------------------------------------------------------------------------- backward

    private void backward() {
        int b = input.batch();
        int t = input.time();
        int n = b * t;
        float[] dx = rowsC2;
        // Head: dhF = dLogits wte; dwte += dLogits^T hF.
        HeapGemm.gemm(Operand.rows(logits, 0, vocab), Operand.rows(p, wte, c), rowsC, 0, c, n, c, vocab, null, 0, false);
        HeapGemm.gemm(Operand.transposed(logits, 0, vocab), Operand.rows(hF, 0, c), g, wte, c, vocab, c, n, null, 0, true);
        Arrays.fill(dx, 0, n * c, 0f);
        layerNormBackward(rowsC, xhatF, rstdF, n, lnfG, lnfB, dx);
        for (int l = layers.length - 1; l >= 0; l--) {
            Layer w = layers[l];
            Saved s = saved[l];
            // x += drop(act outW + outB)
            float[] dm = masked(dx, s.residKeep2, rowsC, n * c);
            linearBackward(s.act, inner, dm, c, n, w.outW(), w.outB(), rowsInner);
            geluBackward(s.u, s.tanh, rowsInner, n * inner);
            // act = gelu(h2 fcW + fcB)
            linearBackward(s.h2, c, rowsInner, inner, n, w.fcW(), w.fcB(), rowsC);
            layerNormBackward(rowsC, s.xhat2, s.rstd2, n, w.ln2g(), w.ln2b(), dx);
            // x += drop(att projW + projB)
            float[] da = masked(dx, s.residKeep1, rowsC, n * c);
            float[] dAtt = rowsInner;
            linearBackward(s.att, c, da, c, n, w.projW(), w.projB(), dAtt);
            attendBackward(s, b, t, w.scale(), dAtt, rows3C);
            linearBackward(s.h1, c, rows3C, 3 * c, n, w.attnW(), w.attnB(), rowsC);
            layerNormBackward(rowsC, s.xhat1, s.rstd1, n, w.ln1g(), w.ln1b(), dx);
        }
        if (embKeep != null) {
            multiply(dx, 0, embKeep, 0, dx, 0, n * c);
        }
        for (int i = 0; i < n; i++) {
            add(g, wte + input.ids()[i] * c, dx, i * c, c);
            add(g, wpe + input.positions()[i] * c, dx, i * c, c);
        }
    }

    /** dy * keep into {@code out}, or dy itself without dropout. */
    private static float[] masked(float[] dy, float[] keep, float[] out, int n) {
        if (keep == null) {
            return dy;
        }
        multiply(dy, 0, keep, 0, out, 0, n);
        return out;
    }

    /**
     * For y = x W + bias with x [n, in], W [in, out] at {@code wAt}: dW += x^T dy, dbias += column sums of dy,
     * dx = dy W^T into {@code dxOut}.
     */
    private void linearBackward(float[] xIn, int in, float[] dy, int out, int n, int wAt, int biasAt, float[] dxOut) {
        HeapGemm.gemm(Operand.transposed(xIn, 0, in), Operand.rows(dy, 0, out), g, wAt, out, in, out, n, null, 0, true);
        for (int r = 0; r < n; r++) {
            add(g, biasAt, dy, r * out, out);
        }
        HeapGemm.gemm(Operand.rows(dy, 0, out), Operand.transposed(p, wAt, out), dxOut, 0, in, n, in, out, null, 0, false);
    }

    /** From dAtt [n, c] to dqkv [n, 3c], head by head. */
    private void attendBackward(Saved s, int b, int t, float scale, float[] dAtt, float[] dqkv) {
        int ld = 3 * c;
        int tt = t * t;
        float[] dP = dProbs;
        for (int bi = 0; bi < b; bi++) {
            int rowBase = bi * t * ld;
            for (int h = 0; h < heads; h++) {
                int pBase = (bi * heads + h) * tt;
                int dyAt = bi * t * c + h * d;
                // y = Pd v: dPd = dy v^T, dv = Pd^T dy.
                HeapGemm.gemm(Operand.rows(dAtt, dyAt, c), Operand.transposed(s.qkv, rowBase + 2 * c + h * d, ld), dP, 0,
                        t, t, t, d, null, 0, false);
                float[] pd = s.probs;
                int pdOff = pBase;
                if (s.attnKeep != null) {
                    multiply(s.probs, pBase, s.attnKeep, pBase, square, 0, tt);
                    pd = square;
                    pdOff = 0;
                    multiply(dP, 0, s.attnKeep, pBase, dP, 0, tt);
                }
                HeapGemm.gemm(Operand.transposed(pd, pdOff, t), Operand.rows(dAtt, dyAt, c), dqkv,
                        rowBase + 2 * c + h * d, ld, t, d, t, null, 0, false);
                // softmax: dS = P (dP - sum(dP P)) scale, in place in dP.
                for (int q = 0; q < t; q++) {
                    ArrayKernels.softmaxBackward(s.probs, pBase + q * t, dP, q * t, q + 1, scale);
                    Arrays.fill(dP, q * t + q + 1, (q + 1) * t, 0f);
                }
                // s = q k^T: dq = dS k, dk = dS^T q.
                HeapGemm.gemm(Operand.rows(dP, 0, t), Operand.rows(s.qkv, rowBase + c + h * d, ld), dqkv, rowBase + h * d,
                        ld, t, d, t, null, 0, false);
                HeapGemm.gemm(Operand.transposed(dP, 0, t), Operand.rows(s.qkv, rowBase + h * d, ld), dqkv,
                        rowBase + c + h * d, ld, t, d, t, null, 0, false);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- row kernels

    private void layerNorm(float[] xs, int n, int gammaAt, int betaAt, float[] xhat, float[] rstd, float[] y) {
        ArrayKernels.layerNorm(xs, n, c, p, gammaAt, p, betaAt, eps, xhat, rstd, y);
    }

    /** The gradients of gamma and beta sit at the same offsets in g as the parameters in p. */
    private void layerNormBackward(float[] dy, float[] xhat, float[] rstd, int n, int gammaAt, int betaAt, float[] dx) {
        ArrayKernels.layerNormBackward(dy, xhat, rstd, n, c, p, gammaAt, g, gammaAt, betaAt, dx);
    }
}
