package org.instructgpt.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * All tensors of a model in one contiguous buffer, with a named, shaped view per tensor. A gradient, an optimizer
 * moment, a broadcast or a checkpoint is then a single array, and swapping parameters in is one {@code assign}.
 */
public final class FlatParameters {
    /** A named tensor's place in the buffer. */
    public record Entry(String name, long[] shape, long offset, long length) {
    }

    private final INDArray flat;
    private final Map<String, Entry> entries;
    private final Map<String, INDArray> views = new LinkedHashMap<>();

    private FlatParameters(INDArray flat, Map<String, Entry> entries) {
        this.flat = flat;
        this.entries = entries;
        for (Entry e : entries.values()) {
            long[] stride = new long[e.shape.length];
            long s = 1;
            for (int i = e.shape.length - 1; i >= 0; i--) {
                stride[i] = s;
                s *= e.shape[i];
            }
            views.put(e.name, Nd4j.create(flat.data(), e.shape, stride, e.offset, 'c', flat.dataType()));
        }
    }

    /** A zero-filled buffer laid out as the given (name, shape) pairs, in their order. */
    public static FlatParameters zeros(DataType dtype, LinkedHashMap<String, long[]> shapes) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, long[]> s : shapes.entrySet()) {
            long n = 1;
            for (long d : s.getValue()) {
                n *= d;
            }
            entries.put(s.getKey(), new Entry(s.getKey(), s.getValue().clone(), offset, n));
            offset += n;
        }
        return new FlatParameters(Nd4j.zeros(dtype, offset), entries);
    }

    /** A zero-filled buffer with the same layout (for gradients and optimizer moments). */
    public FlatParameters zerosLike() {
        return zerosLike(flat.dataType());
    }

    public FlatParameters zerosLike(DataType dtype) {
        return new FlatParameters(Nd4j.zeros(dtype, flat.length()), entries);
    }

    public FlatParameters copy() {
        return new FlatParameters(flat.dup(), entries);
    }

    /** The whole buffer, a vector. */
    public INDArray flat() {
        return flat;
    }

    public INDArray get(String name) {
        INDArray v = views.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'; known: " + views.keySet());
        }
        return v;
    }

    public boolean has(String name) {
        return views.containsKey(name);
    }

    public List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(entries.keySet()));
    }

    public Entry entry(String name) {
        return entries.get(name);
    }

    public long size() {
        return flat.length();
    }

    public DataType dataType() {
        return flat.dataType();
    }

    public void zero() {
        flat.assign(0);
    }
}
