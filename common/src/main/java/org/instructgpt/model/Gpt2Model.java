package org.instructgpt.model;

import org.instructgpt.util.Seeds;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.SplittableRandom;

/**
 * GPT-2 as Hugging Face's {@code GPT2LMHeadModel} defines it, with an optional scalar head ({@code score},
 * {@code [1, n_embd]}, no bias) as in {@code GPT2ForSequenceClassification}. Every module has a hand-written backward
 * pass; gradients accumulate into {@link #grads()}, a buffer with the same layout as {@link #params()}.
 *
 * <p>One instance runs one forward/backward at a time (modules keep their activations); executors keep one instance
 * per JVM and swap parameters in with {@code params().flat().assign(...)}.
 */
public final class Gpt2Model {
    public static final String WTE = "transformer.wte.weight";
    public static final String WPE = "transformer.wpe.weight";
    public static final String SCORE = "score.weight";
    /** Added to attention scores that must be ignored; finite so that fully padded rows stay finite. */
    private static final double MASKED = -1e9;

    private final GptConfig config;
    private final FlatParameters params;
    private final FlatParameters grads;
    private final boolean scoreHead;
    private final Block[] blocks;
    private final LayerNorm lnF;
    private final Dropout embDropout;
    // Kept for backward.
    private ModelInput input;
    private INDArray lmHidden;
    private INDArray scoreHidden;
    private int[] scoreRows;
    private HeapTrainingPass heapPass;

    public Gpt2Model(GptConfig config, FlatParameters params, boolean scoreHead) {
        this.config = config;
        this.params = params;
        this.scoreHead = scoreHead;
        if (params.size() != layout(config, scoreHead).values().stream().mapToLong(Gpt2Model::numel).sum()) {
            throw new IllegalArgumentException("parameter buffer does not match " + config);
        }
        this.grads = params.zerosLike();
        blocks = new Block[config.nLayer];
        for (int l = 0; l < config.nLayer; l++) {
            blocks[l] = new Block(config, params, grads, l);
        }
        lnF = new LayerNorm(params, grads, "transformer.ln_f", config.layerNormEpsilon);
        embDropout = new Dropout(config.embdPdrop, 0);
    }

    /** A model whose parameters are all zero (to be loaded or initialised). */
    public static Gpt2Model create(GptConfig config, DataType dtype, boolean scoreHead) {
        return new Gpt2Model(config, FlatParameters.zeros(dtype, layout(config, scoreHead)), scoreHead);
    }

    /** Tensor names and shapes in Hugging Face's naming, in the order of the flat buffer. */
    public static LinkedHashMap<String, long[]> layout(GptConfig c, boolean scoreHead) {
        LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
        long e = c.nEmbd;
        m.put(WTE, new long[]{c.vocabSize, e});
        m.put(WPE, new long[]{c.nPositions, e});
        for (int l = 0; l < c.nLayer; l++) {
            String p = "transformer.h." + l;
            m.put(p + ".ln_1.weight", new long[]{e});
            m.put(p + ".ln_1.bias", new long[]{e});
            m.put(p + ".attn.c_attn.weight", new long[]{e, 3 * e});
            m.put(p + ".attn.c_attn.bias", new long[]{3 * e});
            m.put(p + ".attn.c_proj.weight", new long[]{e, e});
            m.put(p + ".attn.c_proj.bias", new long[]{e});
            m.put(p + ".ln_2.weight", new long[]{e});
            m.put(p + ".ln_2.bias", new long[]{e});
            m.put(p + ".mlp.c_fc.weight", new long[]{e, c.nInner});
            m.put(p + ".mlp.c_fc.bias", new long[]{c.nInner});
            m.put(p + ".mlp.c_proj.weight", new long[]{c.nInner, e});
            m.put(p + ".mlp.c_proj.bias", new long[]{e});
        }
        m.put("transformer.ln_f.weight", new long[]{e});
        m.put("transformer.ln_f.bias", new long[]{e});
        if (scoreHead) {
            m.put(SCORE, new long[]{1, e});
        }
        return m;
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /**
     * GPT-2's initialisation: weights and embeddings N(0, 0.02), residual projections N(0, 0.02 / sqrt(2 n_layer)),
     * LayerNorm weight 1, biases 0. Drawn in Java from the seed, so it does not depend on the ND4J backend.
     */
    public void initialize(long seed) {
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, 0x1417));
        double std = 0.02;
        for (String name : params.names()) {
            INDArray v = params.get(name);
            if (name.endsWith(".bias")) {
                v.assign(0);
            } else if (name.contains(".ln_") || name.startsWith("transformer.ln_f")) {
                v.assign(1);
            } else {
                double s = name.endsWith("c_proj.weight") ? std / Math.sqrt(2.0 * config.nLayer) : std;
                double[] values = new double[(int) v.length()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = rng.nextGaussian() * s;
                }
                v.assign(Nd4j.createFromArray(values).castTo(v.dataType()).reshape(v.shape()));
            }
        }
    }

    public GptConfig config() {
        return config;
    }

    public FlatParameters params() {
        return params;
    }

    public FlatParameters grads() {
        return grads;
    }

    /** This replica's array-based training pass (see {@link HeapTrainingPass#supports}), created on first use. */
    public HeapTrainingPass heapTrainingPass() {
        if (heapPass == null) {
            heapPass = new HeapTrainingPass(this);
        }
        return heapPass;
    }

    public boolean hasScoreHead() {
        return scoreHead;
    }

    public DataType dataType() {
        return params.dataType();
    }

    /**
     * The transformer: hidden states after the final LayerNorm, [batch * time, n_embd]. With a cache, the input
     * holds only the new positions; they are appended to the cache and attend to everything cached before.
     */
    public INDArray forward(ModelInput in, KvCache cache, ForwardMode mode) {
        validate(in, cache);
        this.input = in;
        INDArray x = Nd4j.pullRows(params.get(WTE), 1, in.ids()).addi(Nd4j.pullRows(params.get(WPE), 1, in.positions()));
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

    private void validate(ModelInput in, KvCache cache) {
        checkIdsAndPositions(in, config);
        if (cache != null && cache.batch() != in.batch()) {
            throw new IllegalArgumentException("cache batch " + cache.batch() + " != input batch " + in.batch());
        }
    }

    /** Every token id inside the vocabulary and every position inside n_positions, or an error naming the place. */
    static void checkIdsAndPositions(ModelInput in, GptConfig config) {
        for (int i = 0; i < in.ids().length; i++) {
            int id = in.ids()[i];
            if (id < 0 || id >= config.vocabSize) {
                throw new IllegalArgumentException("token id " + id + " at row " + i / in.time() + ", position "
                        + i % in.time() + " is outside the vocabulary of " + config.vocabSize);
            }
            int p = in.positions()[i];
            if (p < 0 || p >= config.nPositions) {
                throw new IllegalArgumentException("position id " + p + " at row " + i / in.time()
                        + " is outside n_positions " + config.nPositions);
            }
        }
    }

    /** [B, 1, T, S]: 0 where query t may see key s (causal and not padding, or itself), MASKED elsewhere. */
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
                    // A padding query still sees itself, so no softmax row is empty (libnd4j's double softmax
                    // returns NaN for one); no real token ever sees a padding key.
                    bias[base + k] = (k <= past + q && m != 0) || k == past + q ? 0.0 : MASKED;
                }
            }
        }
        return Nd4j.createFromArray(bias).castTo(dataType()).reshape('c', b, 1, t, s);
    }

    /** Back-propagates from the hidden states of the last training forward; accumulates into {@link #grads()}. */
    public void backward(INDArray dHidden) {
        INDArray dx = lnF.backward(dHidden);
        for (int l = blocks.length - 1; l >= 0; l--) {
            dx = blocks[l].backward(dx);
        }
        dx = embDropout.backward(dx);
        RowScatter.addRows(grads.get(WTE), input.ids(), dx);
        RowScatter.addRows(grads.get(WPE), input.positions(), dx);
    }

    /** The tied LM head: logits [N, vocab] = hidden wte^T. */
    public INDArray lmLogits(INDArray hidden) {
        lmHidden = hidden;
        INDArray wte = params.get(WTE);
        INDArray logits = Nd4j.createUninitialized(hidden.dataType(), hidden.rows(), wte.rows());
        Nd4j.gemm(hidden, wte, logits, false, true, 1.0, 0.0);
        return logits;
    }

    /** Accumulates the LM head's gradient into wte and returns dHidden. */
    public INDArray lmBackward(INDArray dLogits) {
        INDArray wte = params.get(WTE);
        Nd4j.gemm(dLogits, lmHidden, grads.get(WTE), true, false, 1.0, 1.0);
        INDArray dHidden = Nd4j.createUninitialized(dLogits.dataType(), dLogits.rows(), wte.columns());
        Nd4j.gemm(dLogits, wte, dHidden, false, false, 1.0, 0.0);
        lmHidden = null;
        return dHidden;
    }

    /**
     * The scalar head read at one position per sequence: {@code rows[b]} is the index into the [B*T] hidden rows,
     * usually the last position whose attention mask is 1 (see {@link #lastTokenRows}).
     */
    public INDArray scores(INDArray hidden, int[] rows) {
        if (!scoreHead) {
            throw new IllegalStateException("this model has no score head");
        }
        scoreHidden = Nd4j.pullRows(hidden, 1, rows);
        scoreRows = rows;
        return scoreHidden.mmul(params.get(SCORE).transpose()).reshape(rows.length);
    }

    /** dScores: [B]. Returns dHidden [B*T, C] with the gradient at the read positions and zero elsewhere. */
    public INDArray scoreBackward(INDArray dScores, long hiddenRows) {
        INDArray ds = dScores.reshape(dScores.length(), 1).castTo(dataType());
        grads.get(SCORE).addi(ds.transpose().mmul(scoreHidden));
        INDArray dSelected = ds.mmul(params.get(SCORE));
        INDArray dHidden = Nd4j.zeros(dataType(), hiddenRows, config.nEmbd);
        RowScatter.addRows(dHidden, scoreRows, dSelected);
        scoreHidden = null;
        return dHidden;
    }

    /** For each sequence, the row index (b * time + t) of its last position with mask 1. */
    public static int[] lastTokenRows(ModelInput in) {
        int[] rows = new int[in.batch()];
        for (int b = 0; b < in.batch(); b++) {
            int last = -1;
            for (int t = 0; t < in.time(); t++) {
                if (in.mask()[b * in.time() + t] != 0) {
                    last = t;
                }
            }
            if (last < 0) {
                throw new IllegalArgumentException("sequence " + b + " has no unmasked token to score");
            }
            rows[b] = b * in.time() + last;
        }
        return rows;
    }
}
