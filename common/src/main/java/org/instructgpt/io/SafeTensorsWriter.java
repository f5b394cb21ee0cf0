package org.instructgpt.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes safetensors files (F32, F64, F16, BF16, I64, I32) in the layout Hugging Face's library writes. */
public final class SafeTensorsWriter {
    private record Pending(TensorDType dtype, long[] shape, byte[] data) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, Pending> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafeTensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** A floating INDArray, stored as {@code dtype} (F32, F64, F16 or BF16). */
    public SafeTensorsWriter add(String name, INDArray a, TensorDType dtype) {
        long[] shape = a.shape();
        int n = (int) a.length();
        ByteBuffer b = ByteBuffer.allocate(n * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> b.asFloatBuffer().put(a.dup('c').castTo(DataType.FLOAT).data().asFloat(), 0, n);
            case F64 -> b.asDoubleBuffer().put(a.dup('c').castTo(DataType.DOUBLE).data().asDouble(), 0, n);
            case F16, BF16 -> {
                float[] f = a.dup('c').castTo(DataType.FLOAT).data().asFloat();
                for (int i = 0; i < n; i++) {
                    b.putShort(i * 2, dtype == TensorDType.F16 ? Half.fromFloat(f[i]) : bf16(f[i]));
                }
            }
            default -> throw new IllegalArgumentException("tensor '" + name + "': use addLongs for " + dtype);
        }
        return put(name, dtype, shape, b.array());
    }

    public SafeTensorsWriter add(String name, INDArray a) {
        return add(name, a, TensorDType.F32);
    }

    public SafeTensorsWriter addFloats(String name, float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return put(name, TensorDType.F32, shape, b.array());
    }

    /** Integers stored as I64 or I32. */
    public SafeTensorsWriter addLongs(String name, long[] values, TensorDType dtype, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case I64 -> b.putLong(i * 8, values[i]);
                case I32 -> b.putInt(i * 4, Math.toIntExact(values[i]));
                default -> throw new IllegalArgumentException("tensor '" + name + "': " + dtype + " is not an integer type");
            }
        }
        return put(name, dtype, shape, b.array());
    }

    private SafeTensorsWriter put(String name, TensorDType dtype, long[] shape, byte[] data) {
        if (name.equals("__metadata__") || tensors.containsKey(name)) {
            throw new IllegalArgumentException("duplicate or reserved tensor name '" + name + "'");
        }
        long numel = 1;
        for (long d : shape) {
            numel *= d;
        }
        if (numel * dtype.bytes != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape does not match " + data.length + " bytes");
        }
        tensors.put(name, new Pending(dtype, shape.clone(), data));
        return this;
    }

    private static short bf16(float f) {
        int bits = Float.floatToIntBits(f);
        if (Float.isNaN(f)) {
            return (short) 0x7fc0;
        }
        // Round to nearest even on the 16 dropped bits.
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** Writes the file (overwriting); callers wanting atomicity write into a temporary directory first. */
    public void write(FileSystem fs, Path path) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, Pending> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", e.getValue().dtype.name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.getValue().shape) {
                shape.add(d);
            }
            ArrayNode offs = t.putArray("data_offsets");
            offs.add(offset);
            offset += e.getValue().data.length;
            offs.add(offset);
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        // The data section starts 8-byte aligned, padded with spaces as the reference implementation does.
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            headerBytes[i] = ' ';
        }
        try (FSDataOutputStream out = fs.create(path, true)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            for (Pending p : tensors.values()) {
                out.write(p.data);
            }
        }
    }
}
