package org.instructgpt.model.cpu;

import org.instructgpt.model.GptConfig;

/** The array engine's activations and scratch, sized for the largest batch seen so far. */
final class ArrayActivations {
    /** What one block keeps from the forward pass for the backward pass. */
    static final class Saved {
        float[] xhat1, rstd1, h1, qkv, probs, attnKeep, att, residKeep1, xhat2, rstd2, h2, u, tanh, act, residKeep2;
    }

    private final GptConfig cfg;
    final Saved[] saved;
    float[] embKeep;
    float[] x;
    float[] xhatF;
    float[] rstdF;
    float[] hF;
    float[] logits;
    float[] rowsC;
    float[] rowsC2;
    float[] rowsInner;
    float[] rows3C;
    private int rows;
    private int attnSize;

    ArrayActivations(GptConfig cfg) {
        this.cfg = cfg;
        saved = new Saved[cfg.nLayer];
        for (int l = 0; l < cfg.nLayer; l++) {
            saved[l] = new Saved();
        }
    }

    /**
     * Grows the buffers to hold a batch of b x t, or refuses one whose activations would not fit: every array under
     * Java's 2^31 elements and the whole under half of {@code heapBytes}.
     */
    void ensure(int b, int t, long heapBytes) {
        int c = cfg.nEmbd;
        int inner = cfg.nInner;
        long n = (long) b * t;
        long attn = (long) b * cfg.nHead * t * t;
        if (n <= rows && attn <= attnSize) {
            return;
        }
        long largest = Math.max(Math.max(attn, n * cfg.vocabSize), n * Math.max(3L * c, inner));
        long perLayer = 7 * n * c + 2 * n + n * 3L * c + attn + 3 * n * inner;
        long floats = cfg.nLayer * perLayer + n * cfg.vocabSize + 8 * n * c + n * (3L * c + inner);
        if (largest >= Integer.MAX_VALUE || 4 * floats >= heapBytes / 2) {
            throw new IllegalArgumentException(String.format("a micro-batch of %d x %d tokens needs %.1f GB of activations "
                    + "on the array engine, more than half the JVM's heap (%.1f GB): lower the micro-batch, raise -Xmx, or "
                    + "set instructgpt.train.engine = nd4j", b, t, 4.0 * floats / 1e9, heapBytes / 1e9));
        }
        rows = (int) Math.max(n, rows);
        attnSize = (int) Math.max(attn, attnSize);
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
        logits = new float[rows * cfg.vocabSize];
        rowsC = new float[rows * c];
        rowsC2 = new float[rows * c];
        rowsInner = new float[rows * inner];
        rows3C = new float[rows * 3 * c];
    }
}
