package org.instructgpt.model.cpu;

import org.instructgpt.model.GptConfig;

import java.util.Arrays;

/**
 * A float32 GPT-2's weights prepared for decoding: every Conv1D weight and the transposed embedding packed for
 * {@link HeapGemm}'s few-row products, the rest as arrays of their own. Built from a snapshot of the parameters,
 * which {@link #matches} compares against, so a decoder is rebuilt exactly when the parameters changed.
 */
final class PackedModel {
    /** One block's weights. */
    record Layer(float[] ln1g, float[] ln1b, HeapGemm.Packed attnW, float[] attnB, HeapGemm.Packed projW,
                 float[] projB, float[] ln2g, float[] ln2b, HeapGemm.Packed fcW, float[] fcB, HeapGemm.Packed outW,
                 float[] outB, float scale) {
    }

    final GptConfig config;
    final float[] wte;
    final HeapGemm.Packed wteT;
    final float[] wpe;
    final float[] lnfG;
    final float[] lnfB;
    final Layer[] layers;
    private final float[] source;

    PackedModel(float[] p, ArrayLayout at, GptConfig cfg) {
        config = cfg;
        source = p.clone();
        int c = cfg.nEmbd;
        int inner = cfg.nInner;
        int vocab = cfg.vocabSize;
        wte = slice(at.wte, vocab * c);
        float[] t = new float[c * vocab];
        for (int v = 0; v < vocab; v++) {
            for (int e = 0; e < c; e++) {
                t[e * vocab + v] = wte[v * c + e];
            }
        }
        wteT = HeapGemm.Packed.of(t, c, vocab);
        wpe = slice(at.wpe, cfg.nPositions * c);
        lnfG = slice(at.lnfG, c);
        lnfB = slice(at.lnfB, c);
        layers = new Layer[cfg.nLayer];
        for (int l = 0; l < cfg.nLayer; l++) {
            ArrayLayout.Block b = at.blocks[l];
            layers[l] = new Layer(slice(b.ln1g(), c), slice(b.ln1b(), c), packed(b.attnW(), c, 3 * c),
                    slice(b.attnB(), 3 * c), packed(b.projW(), c, c), slice(b.projB(), c), slice(b.ln2g(), c),
                    slice(b.ln2b(), c), packed(b.fcW(), c, inner), slice(b.fcB(), inner), packed(b.outW(), inner, c),
                    slice(b.outB(), c), b.scale());
        }
    }

    private float[] slice(int offset, int length) {
        return Arrays.copyOfRange(source, offset, offset + length);
    }

    /** A Conv1D weight, [in, out] row-major at {@code offset}. */
    private HeapGemm.Packed packed(int offset, int in, int out) {
        return HeapGemm.Packed.of(slice(offset, in * out), in, out);
    }

    /** Whether these weights were packed from exactly {@code p}. */
    boolean matches(float[] p) {
        return Arrays.equals(source, p);
    }
}
