package org.instructgpt.model.nd4j;

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
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The reference engine: GPT-2 as ND4J modules, each with a hand-written backward checked by finite differences in
 * double precision and by Hugging Face's gradients. It runs any data type on any ND4J backend (GPUs included); the
 * array engine is tested against it.
 */
public final class Nd4jEngine implements GptEngine {
    /** Added to attention scores that must be ignored; finite so that fully padded rows stay finite. */
    private static final double MASKED = -1e9;

    private final GptConfig config;
    private final FlatParameters params;
    private final FlatParameters grads;
    private final Block[] blocks;
    private final LayerNorm lnF;
    private final Dropout embDropout;
    // Kept for backward.
    private ModelInput input;
    private INDArray hidden;
    private LogSoftmaxAtTargets head;
    private Nd4jDecoder decoder;

    public Nd4jEngine(Gpt2Model model) {
        config = model.config();
        params = model.params();
        grads = model.grads();
        blocks = new Block[config.nLayer];
        for (int l = 0; l < config.nLayer; l++) {
            blocks[l] = new Block(config, params, grads, l);
        }
        lnF = new LayerNorm(params, grads, "transformer.ln_f", config.layerNormEpsilon);
        embDropout = new Dropout(config.embdPdrop, Gpt2Layout.embeddingDropout());
    }

    @Override
    public EngineKind kind() {
        return EngineKind.ND4J;
    }

    @Override
    public PassOutput forward(ModelInput in, PassRequest request, ForwardMode mode) {
        // Each pass's activations live in a workspace whose memory is learned on the first pass and reused after
        // (fresh off-heap allocations cost more than the arithmetic on them); nothing allocated in it outlives the pass.
        try (MemoryWorkspace ignored = Workspaces.open("nd4j-pass")) {
            return heads(in, request, mode);
        } finally {
            hidden = null;
            head = null;
        }
    }

    @Override
    public PassOutput forwardBackward(ModelInput in, PassRequest request, ForwardMode mode, Loss loss) {
        try (MemoryWorkspace ignored = Workspaces.open("nd4j-pass")) {
            PassOutput out = heads(in, request, mode);
            OutputGradient d = loss.gradient(out);
            backward(d.dLogProbs(), d.dScalar());
            return out;
        } finally {
            hidden = null;
            head = null;
        }
    }

    private PassOutput heads(ModelInput in, PassRequest request, ForwardMode mode) {
        int n = in.batch() * in.time();
        hidden = transformer(in, null, mode);
        input = in;
        head = null;
        double[] logProbs = null;
        double[] entropy = null;
        if (request.wantsLogProbs()) {
            logProbs = new double[n];
            entropy = request.entropy() ? new double[n] : null;
            head = new LogSoftmaxAtTargets(request.targets(), request.temperature());
            head.forward(lmLogits(hidden), logProbs, entropy);
        }
        double[] scalar = request.scalar()
                ? request.onlyScalarRows(hidden.mmul(params.get(Gpt2Layout.SCORE).transpose()).reshape(n).toDoubleVector())
                : null;
        return new PassOutput(logProbs, entropy, scalar);
    }

    private void backward(double[] dLogProbs, double[] dScalar) {
        INDArray dHidden = Nd4j.zeros(hidden.dataType(), hidden.shape());
        if (dLogProbs != null) {
            if (head == null) {
                throw new IllegalStateException("the forward pass computed no log-probs to back-propagate");
            }
            INDArray dLogits = head.backward(dLogProbs);
            Nd4j.gemm(dLogits, hidden, grads.get(Gpt2Layout.WTE), true, false, 1.0, 1.0);
            Nd4j.gemm(dLogits, params.get(Gpt2Layout.WTE), dHidden, false, false, 1.0, 1.0);
        }
        if (dScalar != null) {
            INDArray ds = Nd4j.createFromArray(dScalar).castTo(hidden.dataType()).reshape(dScalar.length, 1);
            grads.get(Gpt2Layout.SCORE).addi(ds.transpose().mmul(hidden));
            dHidden.addi(ds.mmul(params.get(Gpt2Layout.SCORE)));
        }
        INDArray dx = lnF.backward(dHidden);
        for (int l = blocks.length - 1; l >= 0; l--) {
            dx = blocks[l].backward(dx);
        }
        dx = embDropout.backward(dx);
        RowScatter.addRows(grads.get(Gpt2Layout.WTE), input.ids(), dx);
        RowScatter.addRows(grads.get(Gpt2Layout.WPE), input.positions(), dx);
    }

    @Override
    public Decoder decoder(int batch, int capacity) {
        if (decoder == null || !decoder.fits(batch, capacity)) {
            decoder = new Nd4jDecoder(this, config, params.dataType(), batch, capacity);
        }
        decoder.reset();
        return decoder;
    }

    /**
     * The transformer: hidden states after the final LayerNorm, [batch * time, n_embd]. With a cache, the input
     * holds only the new positions; they are appended to the cache and attend to everything cached before.
     */
    INDArray transformer(ModelInput in, KvCache cache, ForwardMode mode) {
        Gpt2Layout.checkIdsAndPositions(in, config);
        if (cache != null && cache.batch() != in.batch()) {
            throw new IllegalArgumentException("cache batch " + cache.batch() + " != input batch " + in.batch());
        }
        INDArray x = Nd4j.pullRows(params.get(Gpt2Layout.WTE), 1, in.ids())
                .addi(Nd4j.pullRows(params.get(Gpt2Layout.WPE), 1, in.positions()));
        x = embDropout.forward(x, mode);
        INDArray maskBias = maskBias(in, cache);
        for (Block b : blocks) {
            x = b.forward(x, in.batch(), in.time(), maskBias, cache, mode);
        }
        if (cache != null) {
            cache.advance(in.time());
        }
        return lnF.forward(x);
    }

    /** The tied LM head: logits [N, vocab] = hidden wte^T. */
    INDArray lmLogits(INDArray h) {
        INDArray wte = params.get(Gpt2Layout.WTE);
        INDArray logits = Nd4j.createUninitialized(h.dataType(), h.rows(), wte.rows());
        Nd4j.gemm(h, wte, logits, false, true, 1.0, 0.0);
        return logits;
    }

    /** [B, 1, T, S]: 0 where query t may see key s ({@link Gpt2Layout#mayAttend}), MASKED elsewhere. */
    private INDArray maskBias(ModelInput in, KvCache cache) {
        int b = in.batch();
        int t = in.time();
        int past = cache == null ? 0 : cache.length();
        if (cache != null) {
            cache.appendMask(in.mask(), t);
        }
        int s = past + t;
        double[] bias = new double[b * t * s];
        for (int i = 0; i < b; i++) {
            for (int q = 0; q < t; q++) {
                int base = (i * t + q) * s;
                for (int k = 0; k < s; k++) {
                    float m = cache == null ? in.mask()[i * t + k] : cache.mask(i, k);
                    bias[base + k] = Gpt2Layout.mayAttend(past + q, k, m != 0) ? 0.0 : MASKED;
                }
            }
        }
        return Nd4j.createFromArray(bias).castTo(params.dataType()).reshape('c', b, 1, t, s);
    }
}
