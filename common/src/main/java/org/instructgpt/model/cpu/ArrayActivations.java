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
    /**
     * Layer 0's buffers serve every layer of a pass with no backward, so they are sized for the largest pass of any
     * kind ({@code rows}, {@code attnSize}); the other layers' only for the largest pass a backward follows.
     */
    private int keptRows;
    private int keptAttn;

    ArrayActivations(GptConfig cfg) {
        this.cfg = cfg;
        saved = new Saved[cfg.nLayer];
        for (int l = 0; l < cfg.nLayer; l++) {
            saved[l] = new Saved();
        }
    }

    /**
     * Grows the buffers to hold a batch of b x t, or refuses one whose activations would not fit: every array under
     * Java's 2^31 elements and the whole under half of {@code heapBytes}. A pass with no backward after it
     * ({@code keep} false) keeps nothing per layer, so one layer's buffers serve every layer: PPO's scoring passes of
     * four config-M models over a rollout batch of 32 x 88 tokens held 2.3 GB per task as training-sized
     * activations, 0.3 GB this way.
     */
    void ensure(int b, int t, boolean keep, long heapBytes) {
        int c = cfg.nEmbd;
        int inner = cfg.nInner;
        long n = (long) b * t;
        long attn = (long) b * cfg.nHead * t * t;
        boolean growShared = n > rows || attn > attnSize;
        boolean growKept = keep && cfg.nLayer > 1 && (n > keptRows || attn > keptAttn);
        if (!growShared && !growKept) {
            return;
        }
        long largest = Math.max(Math.max(attn, n * cfg.vocabSize), n * Math.max(3L * c, inner));
        long perLayer = 7 * n * c + 2 * n + n * 3L * c + attn + 3 * n * inner;
        long floats = (keep ? cfg.nLayer : 1) * perLayer + n * cfg.vocabSize + 8 * n * c + n * (3L * c + inner);
        if (largest >= Integer.MAX_VALUE || 4 * floats >= heapBytes / 2) {
            throw new IllegalArgumentException(String.format("a micro-batch of %d x %d tokens needs %.1f GB of activations "
                    + "on the array engine, more than half the JVM's heap (%.1f GB): lower the micro-batch, raise -Xmx, or "
                    + "set instructgpt.train.engine = nd4j", b, t, 4.0 * floats / 1e9, heapBytes / 1e9));
        }
        if (growShared) {
            rows = (int) Math.max(n, rows);
            attnSize = (int) Math.max(attn, attnSize);
            allocate(saved[0], rows, attnSize, c, inner);
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
        if (growKept) {
            keptRows = (int) Math.max(n, keptRows);
            keptAttn = (int) Math.max(attn, keptAttn);
            for (int l = 1; l < cfg.nLayer; l++) {
                allocate(saved[l], keptRows, keptAttn, c, inner);
            }
        }
    }

    private static void allocate(Saved s, int rows, int attnSize, int c, int inner) {
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
}
