package org.instructgpt.model;

import java.util.LinkedHashMap;

/**
 * The one description of a GPT-2's tensors that both engines read: names (Hugging Face's), shapes and their order in
 * the flat buffer, the dropout sites, and the attention-mask rule. An engine that wants offsets takes them from the
 * {@link FlatParameters} built from {@link #shapes}; a new tensor or dropout site is added here once.
 */
public final class Gpt2Layout {
    public static final String WTE = "transformer.wte.weight";
    public static final String WPE = "transformer.wpe.weight";
    public static final String LN_F_WEIGHT = "transformer.ln_f.weight";
    public static final String LN_F_BIAS = "transformer.ln_f.bias";
    /** The scalar head of reward and value models ({@code GPT2ForSequenceClassification}'s {@code score}). */
    public static final String SCORE = "score.weight";

    private Gpt2Layout() {
    }

    /** The tensor names of block {@code l}. */
    public record BlockNames(String ln1Weight, String ln1Bias, String attnWeight, String attnBias, String attnProjWeight,
                             String attnProjBias, String ln2Weight, String ln2Bias, String fcWeight, String fcBias,
                             String mlpProjWeight, String mlpProjBias) {
        /** Prefixes of the modules, as the ND4J engine names them. */
        public String ln1() {
            return strip(ln1Weight);
        }

        public String attn() {
            return strip(attnWeight).replace(".c_attn", "");
        }

        public String ln2() {
            return strip(ln2Weight);
        }

        public String fc() {
            return strip(fcWeight);
        }

        public String mlpProj() {
            return strip(mlpProjWeight);
        }

        private static String strip(String weight) {
            return weight.substring(0, weight.length() - ".weight".length());
        }
    }

    public static BlockNames block(int l) {
        String p = "transformer.h." + l;
        return new BlockNames(p + ".ln_1.weight", p + ".ln_1.bias", p + ".attn.c_attn.weight", p + ".attn.c_attn.bias",
                p + ".attn.c_proj.weight", p + ".attn.c_proj.bias", p + ".ln_2.weight", p + ".ln_2.bias",
                p + ".mlp.c_fc.weight", p + ".mlp.c_fc.bias", p + ".mlp.c_proj.weight", p + ".mlp.c_proj.bias");
    }

    /** Tensor names and shapes in the order of the flat buffer (Conv1D weights {@code [in, out]}). */
    public static LinkedHashMap<String, long[]> shapes(GptConfig c, boolean scoreHead) {
        LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
        long e = c.nEmbd;
        m.put(WTE, new long[]{c.vocabSize, e});
        m.put(WPE, new long[]{c.nPositions, e});
        for (int l = 0; l < c.nLayer; l++) {
            BlockNames b = block(l);
            m.put(b.ln1Weight(), new long[]{e});
            m.put(b.ln1Bias(), new long[]{e});
            m.put(b.attnWeight(), new long[]{e, 3 * e});
            m.put(b.attnBias(), new long[]{3 * e});
            m.put(b.attnProjWeight(), new long[]{e, e});
            m.put(b.attnProjBias(), new long[]{e});
            m.put(b.ln2Weight(), new long[]{e});
            m.put(b.ln2Bias(), new long[]{e});
            m.put(b.fcWeight(), new long[]{e, c.nInner});
            m.put(b.fcBias(), new long[]{c.nInner});
            m.put(b.mlpProjWeight(), new long[]{c.nInner, e});
            m.put(b.mlpProjBias(), new long[]{e});
        }
        m.put(LN_F_WEIGHT, new long[]{e});
        m.put(LN_F_BIAS, new long[]{e});
        if (scoreHead) {
            m.put(SCORE, new long[]{1, e});
        }
        return m;
    }

    public static long size(GptConfig c, boolean scoreHead) {
        long n = 0;
        for (long[] shape : shapes(c, scoreHead).values()) {
            long k = 1;
            for (long d : shape) {
                k *= d;
            }
            n += k;
        }
        return n;
    }

    // Dropout sites: each draws its mask from (pass seed, site) with DropoutMask, so both engines drop the same elements.

    /** After the token and position embeddings are added. */
    public static long embeddingDropout() {
        return 0;
    }

    /** On the attention probabilities of block {@code l}. */
    public static long attentionDropout(int l) {
        return 1000L * l + 1;
    }

    /** On the attention output of block {@code l}, before the residual addition. */
    public static long attentionResidualDropout(int l) {
        return 1000L * l + 2;
    }

    /** On the MLP output of block {@code l}, before the residual addition. */
    public static long mlpResidualDropout(int l) {
        return 1000L * l + 3;
    }

    /**
     * The attention-mask rule: query position {@code q} sees key position {@code k} when the key is not in its future
     * and is a real token, and always sees itself (so a padding query has a non-empty softmax row; no real token ever
     * sees a padding key).
     */
    public static boolean mayAttend(int q, int k, boolean keyIsReal) {
        return (k <= q && keyIsReal) || k == q;
    }

    /** Every token id inside the vocabulary and every position inside n_positions, or an error naming the place. */
    public static void checkIdsAndPositions(ModelInput in, GptConfig config) {
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
}
