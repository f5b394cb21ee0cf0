package org.instructgpt.model.nd4j;

import org.instructgpt.model.GptConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keys and values of every layer for a batch of sequences, preallocated to a maximum length, plus the attention mask
 * of every cached position. {@link Nd4jEngine#transformer} appends to it.
 */
final class KvCache {
    private final INDArray[] keys;
    private final INDArray[] values;
    private final float[] mask;
    private final int batch;
    private final int capacity;
    private int length;

    public KvCache(GptConfig cfg, DataType dtype, int batch, int capacity) {
        checkCapacity(cfg, capacity);
        this.batch = batch;
        this.capacity = capacity;
        keys = new INDArray[cfg.nLayer];
        values = new INDArray[cfg.nLayer];
        for (int l = 0; l < cfg.nLayer; l++) {
            keys[l] = Nd4j.zeros(dtype, batch, cfg.nHead, capacity, cfg.headDim());
            values[l] = Nd4j.zeros(dtype, batch, cfg.nHead, capacity, cfg.headDim());
        }
        mask = new float[batch * capacity];
    }

    static void checkCapacity(GptConfig cfg, int capacity) {
        if (capacity > cfg.nPositions) {
            throw new IllegalArgumentException("KV cache of " + capacity + " positions exceeds n_positions " + cfg.nPositions);
        }
    }

    INDArray keys(int layer) {
        return keys[layer];
    }

    INDArray values(int layer) {
        return values[layer];
    }

    public int length() {
        return length;
    }

    public int batch() {
        return batch;
    }

    public int capacity() {
        return capacity;
    }

    /** Records the attention mask of {@code time} new positions ([batch * time], row-major). */
    void appendMask(float[] newMask, int time) {
        if (length + time > capacity) {
            throw new IllegalStateException("KV cache full: " + length + " + " + time + " > " + capacity);
        }
        for (int b = 0; b < batch; b++) {
            System.arraycopy(newMask, b * time, mask, b * capacity + length, time);
        }
    }

    float mask(int b, int position) {
        return mask[b * capacity + position];
    }

    /** Empties the cache for a new batch of the same shape (stale keys beyond the length are never read). */
    void reset() {
        length = 0;
        java.util.Arrays.fill(mask, 0f);
    }

    void advance(int time) {
        length += time;
    }
}
