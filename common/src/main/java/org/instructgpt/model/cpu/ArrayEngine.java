package org.instructgpt.model.cpu;

import org.instructgpt.model.Decoder;
import org.instructgpt.model.EngineKind;
import org.instructgpt.model.FlatParameters;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Layout;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.GptEngine;
import org.instructgpt.model.ModelInput;
import org.instructgpt.model.PassOutput;
import org.instructgpt.model.PassRequest;
import org.instructgpt.model.cpu.HeapGemm.Operand;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.util.Arrays;

import static org.instructgpt.model.cpu.ArrayDropout.masked;
import static org.instructgpt.model.cpu.ArrayDropout.scaledKeep;
import static org.instructgpt.model.cpu.ArrayKernels.add;
import static org.instructgpt.model.cpu.ArrayKernels.gelu;
import static org.instructgpt.model.cpu.ArrayKernels.geluBackward;
import static org.instructgpt.model.cpu.ArrayKernels.multiply;

/**
 * The array engine: GPT-2's forward and backward for float32 models on Java arrays. Parameters are copied out of the
 * model's flat ND4J buffer at each forward, every product runs in {@link HeapGemm}, the rest in Vector API row
 * kernels, and the gradient is added back to the model's gradient buffer, so the trainer, checkpoints and optimizer
 * see one model whatever the engine. On ND4J a step spends a third of its time outside the products (one op call per
 * small array, permute copies around attention, off-heap access from Java) and its products run at OpenBLAS's
 * ~85 GFLOP/s; here they run at 130-160 (docs/benchmarks.md). The ND4J engine is the reference it is tested against;
 * both draw dropout masks from {@link DropoutMask}.
 *
 * <p>Activations are kept between forward and backward and grow to the largest batch seen.
 */
public final class ArrayEngine implements GptEngine {
    private final Gpt2Model model;
    private final GptConfig cfg;
    private final int c;
    private final int inner;
    private final int vocab;
    private final float eps;
    private final ArrayLayout at;
    private final ArrayAttention attention;
    // The parameters, their gradient and a scratch copy, allocated at the first pass: a model that is only loaded,
    // copied or saved (a base checkpoint, a driver's copy) never holds them.
    private float[] p;
    private float[] g;
    private float[] gradScratch;
    /** This engine's buffers, for passes a backward follows (which reads them). */
    private final ArrayActivations own;
    // The last forward's input and head state.
    private ModelInput input;
    private ArrayHeads.Softmax softmax;
    private boolean scalarDone;
    // The rows the top block ran at (a scalar head wanted there alone), or null: it ran at every row.
    private int[] topRows;
    // The rows that repeat an earlier sequence's (a prompt's K responses), computed once; null: every row is its own.
    private SharedPrefixRows shared;
    // The top rows in the compact layout of the shared rows (topRows itself when nothing is shared).
    private int[] topCompact;
    private PackedModel packed;
    private KvCacheDecoder decoder;

    public ArrayEngine(Gpt2Model model) {
        this.model = model;
        cfg = model.config();
        c = cfg.nEmbd;
        inner = cfg.nInner;
        vocab = cfg.vocabSize;
        eps = (float) cfg.layerNormEpsilon;
        at = new ArrayLayout(model.params(), cfg);
        attention = new ArrayAttention(c, cfg.nHead);
        long size = model.params().size();
        if (size >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the array engine holds at most 2^31 parameters; this model has " + size);
        }
        own = new ArrayActivations(cfg);
    }

    /** For tests of the buffers' sizes. */
    ArrayActivations activations() {
        return own;
    }

    @Override
    public EngineKind kind() {
        return EngineKind.ARRAY;
    }

    @Override
    public PassOutput forward(ModelInput in, PassRequest request, ForwardMode mode) {
        return forward(in, request, mode, false);
    }

    /**
     * {@code keep}: keep every layer's activations in this engine's own buffers for a backward pass; otherwise the
     * pass runs in a set borrowed from {@link EvalActivations}, where one layer's buffers serve every layer.
     */
    private PassOutput forward(ModelInput in, PassRequest request, ForwardMode mode, boolean keep) {
        if (keep) {
            return pass(own, in, request, mode);
        }
        ArrayActivations shared = EvalActivations.borrow(cfg);
        try {
            PassOutput out = pass(shared, in, request, mode);
            softmax = null;
            return out;
        } finally {
            EvalActivations.giveBack(cfg, shared);
        }
    }

    /** A forward pass in {@code act}: this engine's own activations keep every layer's for a backward pass. */
    private PassOutput pass(ArrayActivations act, ModelInput in, PassRequest request, ForwardMode mode) {
        readParameters();
        topRows = request.scalarRows() != null && !request.wantsLogProbs() && !dropoutOn(mode)
                ? request.scalarRows() : null;
        shared = topRows == null ? null : SharedPrefixRows.of(in, topRows);
        topCompact = shared == null ? topRows : shared.compact(topRows);
        transformer(act, in, mode);
        int n = in.batch() * in.time();
        softmax = null;
        scalarDone = request.scalar();
        double[] logProbs = null;
        double[] entropy = null;
        if (request.wantsLogProbs()) {
            HeapGemm.gemm(Operand.rows(act.hF, 0, c), Operand.transposed(p, at.wte, c), act.logits, 0, vocab, n, vocab, c,
                    null, 0, false);
            logProbs = new double[n];
            entropy = request.entropy() ? new double[n] : null;
            softmax = ArrayHeads.logSoftmaxAtTargets(act.logits, n, vocab, request.targets(), request.temperature(),
                    logProbs, entropy);
        }
        double[] scalar = null;
        if (request.scalar()) {
            scalar = new double[n];
            if (topRows == null) {
                for (int i = 0; i < n; i++) {
                    scalar[i] = ArrayKernels.dot(act.hF, i * c, p, at.score, c);
                }
                scalar = request.onlyScalarRows(scalar);
            } else {
                Arrays.fill(scalar, Double.NaN);
                for (int i = 0; i < topRows.length; i++) {
                    scalar[topRows[i]] = ArrayKernels.dot(act.hF, i * c, p, at.score, c);
                }
            }
        }
        return new PassOutput(logProbs, entropy, scalar);
    }

    @Override
    public PassOutput forwardBackward(ModelInput in, PassRequest request, ForwardMode mode, Loss loss) {
        PassOutput out = forward(in, request, mode, true);
        OutputGradient d = loss.gradient(out);
        backward(d.dLogProbs(), d.dScalar());
        return out;
    }

    private void backward(double[] dLogProbs, double[] dScalar) {
        int n = input.batch() * input.time();
        if (g == null) {
            // Only models that are trained get gradient buffers: PPO's reference, reward model and rollout copies
            // never do, and at config M each pair of buffers is 52 MB.
            g = new float[p.length];
            gradScratch = new float[p.length];
        }
        Arrays.fill(g, 0f);
        float[] dhF = own.rowsC;
        Arrays.fill(dhF, 0, n * c, 0f);
        if (dLogProbs != null) {
            if (softmax == null) {
                throw new IllegalStateException("the forward pass computed no log-probs to back-propagate");
            }
            ArrayHeads.backward(softmax, own.logits, n, vocab, dLogProbs);
            // dhF = dLogits wte; dwte += dLogits^T hF.
            HeapGemm.gemm(Operand.rows(own.logits, 0, vocab), Operand.rows(p, at.wte, c), dhF, 0, c, n, c, vocab, null, 0, false);
            HeapGemm.gemm(Operand.transposed(own.logits, 0, vocab), Operand.rows(own.hF, 0, c), g, at.wte, c, vocab, c, n,
                    null, 0, true);
        }
        if (dScalar != null) {
            if (!scalarDone) {
                throw new IllegalStateException("the forward pass computed no scalar head to back-propagate");
            }
            for (int i = 0; i < n; i++) {
                float ds = (float) dScalar[i];
                if (ds == 0f) {
                    continue;
                }
                // With the top block at rows, row i of hF is the i-th of them.
                int hRow = topRows == null ? i : Arrays.binarySearch(topRows, i);
                if (hRow < 0) {
                    throw new IllegalStateException("a scalar gradient at row " + i + ", where the pass computed none");
                }
                ArrayKernels.addScaled(dhF, hRow * c, p, at.score, c, ds);
                ArrayKernels.addScaled(g, at.score, own.hF, hRow * c, c, ds);
            }
        }
        transformerBackward(dhF);
        addGradients(model.grads().flat());
        input = null;
        softmax = null;
    }

    @Override
    public Decoder decoder(int batch, int capacity) {
        readParameters();
        if (packed == null || !packed.matches(p)) {
            packed = new PackedModel(p, at, cfg);
            decoder = null;
        }
        if (decoder == null || !decoder.fits(batch, capacity)) {
            decoder = new KvCacheDecoder(packed, batch, capacity);
        }
        decoder.reset();
        return decoder;
    }

    private void readParameters() {
        if (p == null) {
            int size = (int) model.params().size();
            p = new float[size];
        }
        FloatBuffer src = VectorMath.bytes(model.params().flat()).asFloatBuffer();
        src.get(0, p);
    }

    private void addGradients(INDArray flat) {
        FloatBuffer dst = VectorMath.bytes(flat).asFloatBuffer();
        float[] acc = gradScratch;
        dst.get(0, acc, 0, g.length);
        add(acc, 0, g, 0, g.length);
        dst.put(0, acc, 0, g.length);
    }

    // ---------------------------------------------------------------------------------------------- forward

    private void transformer(ArrayActivations act, ModelInput in, ForwardMode mode) {
        boolean keep = act == own;
        Gpt2Layout.checkIdsAndPositions(in, cfg);
        int b = in.batch();
        int t = in.time();
        int n = b * t;
        act.ensure(b, t, keep, Runtime.getRuntime().maxMemory());
        input = in;
        float[] x = act.x;
        // Row-wise work runs at the distinct rows (all n unless a prefix is shared), attention at every row.
        int distinct = shared == null ? n : shared.rows();
        for (int u = 0; u < distinct; u++) {
            int i = shared == null ? u : shared.first(u);
            int w = at.wte + in.ids()[i] * c;
            int pos = at.wpe + in.positions()[i] * c;
            for (int e = 0; e < c; e++) {
                x[u * c + e] = p[w + e] + p[pos + e];
            }
        }
        act.embKeep = ArrayDropout.apply(x, n * c, cfg.embdPdrop, mode, Gpt2Layout.embeddingDropout());
        int r = distinct;
        for (int l = 0; l < at.blocks.length; l++) {
            ArrayLayout.Block w = at.blocks[l];
            ArrayActivations.Saved s = act.saved[keep ? l : 0];
            layerNorm(x, r, w.ln1g(), w.ln1b(), s.xhat1, s.rstd1, s.h1);
            boolean top = topRows != null && l == at.blocks.length - 1;
            if (top && WantedRowsQkv.applies(topRows.length, r, c, inner)) {
                WantedRowsQkv.forward(s.h1, r, p, w.attnW(), w.attnB(), c, topCompact, s.qkv, act.rowsInner);
            } else {
                HeapGemm.gemm(Operand.rows(s.h1, 0, c), Operand.rows(p, w.attnW(), 3 * c), s.qkv, 0, 3 * c, r, 3 * c, c,
                        p, w.attnB(), false);
            }
            if (shared != null) {
                shared.expand(s.qkv, 3 * c);
            }
            if (top) {
                // Every row's keys and values, then only the wanted rows on: the residual stream's rows gathered into
                // its first rows (each wanted row is at or after its place, so none is overwritten before it is read).
                attention.forwardRows(s.qkv, in.mask(), t, topRows, w.scale(), s.probs, s.att);
                r = topRows.length;
                for (int i = 0; i < r; i++) {
                    System.arraycopy(x, topCompact[i] * c, x, i * c, c);
                }
            } else {
                s.attnKeep = scaledKeep(b * cfg.nHead * t * t, cfg.attnPdrop, mode, Gpt2Layout.attentionDropout(l));
                attention.forward(s.qkv, in.mask(), b, t, w.scale(), s.attnKeep, s.probs, s.att);
                if (shared != null) {
                    shared.gather(s.att, c);
                }
            }
            HeapGemm.gemm(Operand.rows(s.att, 0, c), Operand.rows(p, w.projW(), c), act.rowsC, 0, c, r, c, c, p,
                    w.projB(), false);
            s.residKeep1 = ArrayDropout.apply(act.rowsC, r * c, cfg.residPdrop, mode,
                    Gpt2Layout.attentionResidualDropout(l));
            add(x, 0, act.rowsC, 0, r * c);
            layerNorm(x, r, w.ln2g(), w.ln2b(), s.xhat2, s.rstd2, s.h2);
            HeapGemm.gemm(Operand.rows(s.h2, 0, c), Operand.rows(p, w.fcW(), inner), s.u, 0, inner, r, inner, c, p,
                    w.fcB(), false);
            gelu(s.u, s.tanh, s.act, r * inner);
            HeapGemm.gemm(Operand.rows(s.act, 0, inner), Operand.rows(p, w.outW(), c), act.rowsC, 0, c, r, c, inner, p,
                    w.outB(), false);
            s.residKeep2 = ArrayDropout.apply(act.rowsC, r * c, cfg.residPdrop, mode,
                    Gpt2Layout.mlpResidualDropout(l));
            add(x, 0, act.rowsC, 0, r * c);
        }
        layerNorm(x, r, at.lnfG, at.lnfB, act.xhatF, act.rstdF, act.hF);
    }

    /** Whether this pass draws dropout masks (the top block at a few rows is for passes without). */
    private boolean dropoutOn(ForwardMode mode) {
        return mode.training() && (cfg.embdPdrop > 0 || cfg.attnPdrop > 0 || cfg.residPdrop > 0);
    }

    // ---------------------------------------------------------------------------------------------- backward

    /** From d(loss)/d(hF) (in {@code own.rowsC}) to every parameter's gradient in {@code g}. */
    private void transformerBackward(float[] dhF) {
        int b = input.batch();
        int t = input.time();
        int n = b * t;
        int distinct = shared == null ? n : shared.rows();
        float[] dx = own.rowsC2;
        Arrays.fill(dx, 0, distinct * c, 0f);
        int r = topRows == null ? n : topRows.length;
        layerNormBackward(dhF, own.xhatF, own.rstdF, r, at.lnfG, at.lnfB, dx);
        for (int l = at.blocks.length - 1; l >= 0; l--) {
            ArrayLayout.Block w = at.blocks[l];
            ArrayActivations.Saved s = own.saved[l];
            // x += drop(act outW + outB)
            float[] dm = masked(dx, s.residKeep2, own.rowsC, r * c);
            linearBackward(s.act, inner, dm, c, r, w.outW(), w.outB(), own.rowsInner);
            geluBackward(s.u, s.tanh, own.rowsInner, r * inner);
            // act = gelu(h2 fcW + fcB)
            linearBackward(s.h2, c, own.rowsInner, inner, r, w.fcW(), w.fcB(), own.rowsC);
            layerNormBackward(own.rowsC, s.xhat2, s.rstd2, r, w.ln2g(), w.ln2b(), dx);
            // x += drop(att projW + projB)
            float[] da = masked(dx, s.residKeep1, own.rowsC, r * c);
            float[] dAtt = own.rowsInner;
            linearBackward(s.att, c, da, c, r, w.projW(), w.projB(), dAtt);
            boolean top = topRows != null && l == at.blocks.length - 1;
            if (top) {
                Arrays.fill(own.rows3C, 0, n * 3 * c, 0f);
                attention.backwardRows(s.qkv, s.probs, t, topRows, w.scale(), dAtt, own.rows3C);
                // The residual's gradient back to the wanted rows' places; the other rows' is 0 above this block.
                float[] wanted = Arrays.copyOf(dx, r * c);
                Arrays.fill(dx, 0, distinct * c, 0f);
                for (int i = 0; i < r; i++) {
                    System.arraycopy(wanted, i * c, dx, topCompact[i] * c, c);
                }
            } else {
                if (shared != null) {
                    shared.expandFirstOnly(dAtt, c);
                }
                attention.backward(s.qkv, s.probs, s.attnKeep, b, t, w.scale(), dAtt, own.rows3C);
            }
            if (shared != null) {
                shared.sum(own.rows3C, 3 * c);
            }
            if (top && WantedRowsQkv.applies(r, distinct, c, inner)) {
                WantedRowsQkv.backward(s.h1, own.rows3C, distinct, p, g, w.attnW(), w.attnB(), c, topCompact, own.rowsC,
                        own.rowsInner);
            } else {
                linearBackward(s.h1, c, own.rows3C, 3 * c, distinct, w.attnW(), w.attnB(), own.rowsC);
            }
            r = distinct;
            layerNormBackward(own.rowsC, s.xhat1, s.rstd1, distinct, w.ln1g(), w.ln1b(), dx);
        }
        if (own.embKeep != null) {
            multiply(dx, 0, own.embKeep, 0, dx, 0, n * c);
        }
        for (int u = 0; u < distinct; u++) {
            int i = shared == null ? u : shared.first(u);
            add(g, at.wte + input.ids()[i] * c, dx, u * c, c);
            add(g, at.wpe + input.positions()[i] * c, dx, u * c, c);
        }
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

    private void layerNorm(float[] xs, int n, int gammaAt, int betaAt, float[] xhat, float[] rstd, float[] y) {
        ArrayKernels.layerNorm(xs, n, c, p, gammaAt, p, betaAt, eps, xhat, rstd, y);
    }

    /** The gradients of gamma and beta sit at the same offsets in g as the parameters in p. */
    private void layerNormBackward(float[] dy, float[] xhat, float[] rstd, int n, int gammaAt, int betaAt, float[] dx) {
        ArrayKernels.layerNormBackward(dy, xhat, rstd, n, c, p, gammaAt, g, gammaAt, betaAt, dx);
    }
}
