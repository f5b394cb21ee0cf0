package org.instructgpt.model.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.instructgpt.model.Decoder;
import org.instructgpt.model.Gpt2Layout;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.ModelInput;

/**
 * The array engine's decoder: GPT-2's evaluation forward with a KV cache on Java arrays, over a {@link PackedModel},
 * the cache as arrays, the products by {@link HeapGemm} and the rest by Vector API loops. Generation runs many small
 * steps (16 rows each), where ND4J's per-op costs and its off-heap access dominated (docs/benchmarks.md); here one
 * step is a handful of array loops. The ND4J engine's decoder is the reference: the contract tests hold the two to
 * 1e-4 on the same inputs.
 */
final class KvCacheDecoder implements Decoder {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private final GptConfig config;
    private final int vocab;
    private final int c;
    private final int heads;
    private final int d;
    private final int inner;
    private final float eps;
    private final float[] wte;
    private final HeapGemm.Packed wteT;
    private final float[] wpe;
    private final float[] lnfG;
    private final float[] lnfB;
    private final PackedModel.Layer[] layers;
    private final int batch;
    private final int capacity;
    // Per layer: keys transposed, [batch, heads, d, capacity] (so scores vectorise over keys); values [batch, heads,
    // capacity, d].
    private final float[][] keysT;
    private final float[][] values;
    // 0 for a key that may be attended to, -inf for padding: added to the scores, so the softmax vectorises.
    private final float[] keyBias;
    // Per sequence: its first key that may be seen (-1 before it comes). A row's softmax starts there, so its sums
    // group the same keys in the same lanes whatever left padding its batch gave it: a prompt's samples do not
    // depend on its neighbours in the batch, nor on how prompts were partitioned.
    private final int[] firstKey;
    private int length;

    KvCacheDecoder(PackedModel m, int batch, int capacity) {
        GptConfig cfg = m.config;
        config = cfg;
        vocab = cfg.vocabSize;
        c = cfg.nEmbd;
        heads = cfg.nHead;
        d = cfg.headDim();
        inner = cfg.nInner;
        eps = (float) cfg.layerNormEpsilon;
        wte = m.wte;
        wpe = m.wpe;
        wteT = m.wteT;
        lnfG = m.lnfG;
        lnfB = m.lnfB;
        layers = m.layers;
        this.batch = batch;
        this.capacity = capacity;
        keysT = new float[cfg.nLayer][batch * heads * d * capacity];
        values = new float[cfg.nLayer][batch * heads * capacity * d];
        // L past the end: the last sequence's rows pad to whole vectors too.
        keyBias = new float[batch * capacity + L];
        firstKey = new int[batch];
        java.util.Arrays.fill(firstKey, -1);
    }

    boolean fits(int batch, int capacity) {
        return this.batch == batch && this.capacity == capacity;
    }

    /** Empties the cache (stale keys beyond the length are never read). */
    void reset() {
        length = 0;
        java.util.Arrays.fill(firstKey, -1);
    }

    @Override
    public int length() {
        return length;
    }

    /**
     * Appends the input's positions (batch x time new tokens, left-padded prompts included) to the cache and returns
     * the logits [rows.length, vocab] of the given rows (row = b * time + t), as the model's tied LM head computes them.
     */
    @Override
    public double[] forward(ModelInput in, int[] rows) {
        int t = in.time();
        if (in.batch() != batch) {
            throw new IllegalArgumentException("input batch " + in.batch() + " != decoder batch " + batch);
        }
        if (length + t > capacity) {
            throw new IllegalStateException("KV cache full: " + length + " + " + t + " > " + capacity);
        }
        Gpt2Layout.checkIdsAndPositions(in, config);
        int n = batch * t;
        float[] x = new float[n * c];
        for (int i = 0; i < n; i++) {
            int id = in.ids()[i];
            int pos = in.positions()[i];
            for (int e = 0; e < c; e++) {
                x[i * c + e] = wte[id * c + e] + wpe[pos * c + e];
            }
        }
        for (int b = 0; b < batch; b++) {
            for (int q = 0; q < t; q++) {
                boolean seen = in.mask()[b * t + q] != 0;
                keyBias[b * capacity + length + q] = seen ? 0f : Float.NEGATIVE_INFINITY;
                if (seen && firstKey[b] < 0) {
                    firstKey[b] = length + q;
                }
            }
        }
        float[] h = new float[n * c];
        float[] qkv = new float[n * 3 * c];
        float[] att = new float[n * c];
        float[] proj = new float[n * c];
        float[] fc = new float[n * inner];
        for (int l = 0; l < layers.length; l++) {
            PackedModel.Layer w = layers[l];
            ArrayKernels.layerNorm(x, n, c, w.ln1g(), 0, w.ln1b(), 0, eps, null, null, h);
            HeapGemm.multiply(h, n, w.attnW(), w.attnB(), qkv);
            attend(l, qkv, t, w.scale(), att);
            HeapGemm.multiply(att, n, w.projW(), w.projB(), proj);
            ArrayKernels.add(x, 0, proj, 0, x.length);
            ArrayKernels.layerNorm(x, n, c, w.ln2g(), 0, w.ln2b(), 0, eps, null, null, h);
            HeapGemm.multiply(h, n, w.fcW(), w.fcB(), fc);
            ArrayKernels.gelu(fc, null, fc, fc.length);
            HeapGemm.multiply(fc, n, w.outW(), w.outB(), proj);
            ArrayKernels.add(x, 0, proj, 0, x.length);
        }
        length += t;
        float[] sel = new float[rows.length * c];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(x, rows[r] * c, sel, r * c, c);
        }
        float[] hf = new float[rows.length * c];
        ArrayKernels.layerNorm(sel, rows.length, c, lnfG, 0, lnfB, 0, eps, null, null, hf);
        float[] logits = new float[rows.length * vocab];
        HeapGemm.multiply(hf, rows.length, wteT, null, logits);
        double[] out = new double[logits.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = logits[i];
        }
        return out;
    }

    /** Appends this step's keys and values to layer l's cache, then attends every new query to the cache. */
    private void attend(int l, float[] qkv, int t, float scale, float[] out) {
        float[] kT = keysT[l];
        float[] v = values[l];
        for (int b = 0; b < batch; b++) {
            for (int q = 0; q < t; q++) {
                int row = (b * t + q) * 3 * c;
                int pos = length + q;
                for (int hh = 0; hh < heads; hh++) {
                    int kBase = (b * heads + hh) * d * capacity;
                    int vBase = ((b * heads + hh) * capacity + pos) * d;
                    for (int e = 0; e < d; e++) {
                        kT[kBase + e * capacity + pos] = qkv[row + c + hh * d + e];
                        v[vBase + e] = qkv[row + 2 * c + hh * d + e];
                    }
                }
            }
        }
        float[] scores = new float[capacity + L];
        float[] acc = new float[d];
        for (int b = 0; b < batch; b++) {
            for (int hh = 0; hh < heads; hh++) {
                int kBase = (b * heads + hh) * d * capacity;
                int vBase = (b * heads + hh) * capacity * d;
                for (int q = 0; q < t; q++) {
                    int qAt = (b * t + q) * 3 * c + hh * d;
                    int self = length + q;
                    int s = self + 1;
                    int from = firstKey[b] >= 0 && firstKey[b] <= self ? firstKey[b] : self;
                    keyScores(qkv, qAt, kT, kBase, from, s, scores);
                    // As the model's mask: causal, no padding key, and every query sees itself.
                    ArrayKernels.maskedSoftmax(scores, from, s - from, capacity + L - from, keyBias,
                            b * capacity + from, self - from, scale);
                    weightedValues(scores, v, vBase, from, s, acc);
                    System.arraycopy(acc, 0, out, (b * t + q) * c + hh * d, d);
                }
            }
        }
    }

    /**
     * scores[j] = q . k_j for from <= j < s: vectors over keys, four at a time so their fused-multiply-add chains over e
     * (each in order of e) run side by side.
     */
    private void keyScores(float[] qkv, int qAt, float[] kT, int kBase, int from, int s, float[] scores) {
        int up4 = from + (s - from) / (4 * L) * (4 * L);
        int j = from;
        for (; j < up4; j += 4 * L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            for (int e = 0; e < d; e++) {
                FloatVector x = FloatVector.broadcast(F, qkv[qAt + e]);
                int at = kBase + e * capacity + j;
                a0 = FloatVector.fromArray(F, kT, at).fma(x, a0);
                a1 = FloatVector.fromArray(F, kT, at + L).fma(x, a1);
                a2 = FloatVector.fromArray(F, kT, at + 2 * L).fma(x, a2);
                a3 = FloatVector.fromArray(F, kT, at + 3 * L).fma(x, a3);
            }
            a0.intoArray(scores, j);
            a1.intoArray(scores, j + L);
            a2.intoArray(scores, j + 2 * L);
            a3.intoArray(scores, j + 3 * L);
        }
        for (; j + L <= s; j += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int e = 0; e < d; e++) {
                acc = FloatVector.fromArray(F, kT, kBase + e * capacity + j).fma(FloatVector.broadcast(F, qkv[qAt + e]), acc);
            }
            acc.intoArray(scores, j);
        }
        for (; j < s; j++) {
            float acc = 0f;
            for (int e = 0; e < d; e++) {
                acc = Math.fma(kT[kBase + e * capacity + j], qkv[qAt + e], acc);
            }
            scores[j] = acc;
        }
    }

    /** acc = sum over from <= j < s of p[j] v_j, in order of j; the accumulators stay in registers across keys. */
    private void weightedValues(float[] p, float[] v, int vBase, int from, int s, float[] acc) {
        int e = 0;
        for (int up = d / (2 * L) * (2 * L); e < up; e += 2 * L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            for (int j = from; j < s; j++) {
                FloatVector w = FloatVector.broadcast(F, p[j]);
                int at = vBase + j * d + e;
                a0 = FloatVector.fromArray(F, v, at).fma(w, a0);
                a1 = FloatVector.fromArray(F, v, at + L).fma(w, a1);
            }
            a0.intoArray(acc, e);
            a1.intoArray(acc, e + L);
        }
        for (int up = F.loopBound(d); e < up; e += L) {
            FloatVector a0 = FloatVector.zero(F);
            for (int j = from; j < s; j++) {
                a0 = FloatVector.fromArray(F, v, vBase + j * d + e).fma(FloatVector.broadcast(F, p[j]), a0);
            }
            a0.intoArray(acc, e);
        }
        for (; e < d; e++) {
            float a = 0f;
            for (int j = from; j < s; j++) {
                a = Math.fma(v[vBase + j * d + e], p[j], a);
            }
            acc[e] = a;
        }
    }
}
