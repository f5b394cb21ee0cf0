package org.instructgpt.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a safetensors file: an 8-byte little-endian header length, a JSON header, then raw little-endian tensors.
 * Every offset and shape is checked against the file before anything is allocated, so a corrupt or hostile file is
 * refused with a message naming the file and tensor, and never causes an allocation larger than the file.
 * F32, F16, BF16 and F64 tensors are read as float32 (or float64 on request); I64 and I32 as integers.
 */
public final class SafeTensorsReader implements Closeable {
    /** One tensor's entry in the header. */
    public record Info(String name, TensorDType dtype, long[] shape, long begin, long end) {
        public long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    // Duplicate keys are refused: with Jackson's default the last one would silently win.
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final long MAX_HEADER = 100L << 20;

    private final Path path;
    private final FSDataInputStream in;
    private final long dataStart;
    private final Map<String, Info> tensors;
    private final Map<String, String> metadata;

    private SafeTensorsReader(Path path, FSDataInputStream in, long dataStart, Map<String, Info> tensors, Map<String, String> metadata) {
        this.path = path;
        this.in = in;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafeTensorsReader open(FileSystem fs, Path path) throws IOException {
        long fileLength = fs.getFileStatus(path).getLen();
        FSDataInputStream in = fs.open(path);
        try {
            return parse(path, in, fileLength);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private static SafeTensorsReader parse(Path path, FSDataInputStream in, long fileLength) throws IOException {
        if (fileLength < 8) {
            throw new SafeTensorsFormatException(path + ": " + fileLength + " bytes is too short for a safetensors file");
        }
        byte[] lenBytes = new byte[8];
        in.readFully(0, lenBytes);
        long headerLength = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength <= 0 || headerLength > fileLength - 8 || headerLength > MAX_HEADER) {
            throw new SafeTensorsFormatException(path + ": header length " + headerLength
                    + " does not fit in the file of " + fileLength + " bytes");
        }
        byte[] headerBytes = new byte[(int) headerLength];
        in.readFully(8, headerBytes);
        String header;
        try {
            header = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(headerBytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SafeTensorsFormatException(path + ": header is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (IOException e) {
            throw new SafeTensorsFormatException(path + ": header is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new SafeTensorsFormatException(path + ": header is not a JSON object");
        }
        long dataStart = 8 + headerLength;
        long dataLength = fileLength - dataStart;
        Map<String, Info> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) {
                    throw new SafeTensorsFormatException(path + ": __metadata__ is not an object");
                }
                v.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            tensors.put(name, info(path, name, v, dataLength));
        }
        List<Info> byOffset = new ArrayList<>(tensors.values());
        byOffset.sort(Comparator.comparingLong(Info::begin));
        for (int i = 1; i < byOffset.size(); i++) {
            Info prev = byOffset.get(i - 1);
            Info cur = byOffset.get(i);
            if (cur.begin < prev.end && cur.end > cur.begin && prev.end > prev.begin) {
                throw new SafeTensorsFormatException(path + ": tensor '" + cur.name + "' [" + cur.begin + ", " + cur.end
                        + ") overlaps tensor '" + prev.name + "' [" + prev.begin + ", " + prev.end + ")");
            }
        }
        return new SafeTensorsReader(path, in, dataStart, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static Info info(Path path, String name, JsonNode v, long dataLength) throws SafeTensorsFormatException {
        String where = path + ": tensor '" + name + "'";
        if (!v.isObject()) {
            throw new SafeTensorsFormatException(where + " has no header object");
        }
        TensorDType dtype = TensorDType.parse(v.path("dtype").asText(""));
        if (dtype == null) {
            throw new SafeTensorsFormatException(where + " has unknown dtype '" + v.path("dtype").asText() + "'");
        }
        JsonNode shapeNode = v.get("shape");
        JsonNode offsets = v.get("data_offsets");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new SafeTensorsFormatException(where + " has no shape");
        }
        if (offsets == null || !offsets.isArray() || offsets.size() != 2 || !isWholeNumber(offsets.get(0))
                || !isWholeNumber(offsets.get(1))) {
            throw new SafeTensorsFormatException(where + " has no valid data_offsets [begin, end]");
        }
        long[] shape = new long[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!isWholeNumber(d) || d.asLong() < 0) {
                throw new SafeTensorsFormatException(where + " has an invalid dimension " + d + " in its shape");
            }
            shape[i] = d.asLong();
            // numel stays <= dataLength, so the product cannot overflow.
            if (numel != 0 && shape[i] > dataLength / numel) {
                throw new SafeTensorsFormatException(where + " has shape " + shapeNode + " larger than the file");
            }
            numel *= shape[i];
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > dataLength) {
            throw new SafeTensorsFormatException(where + " has data_offsets [" + begin + ", " + end
                    + "] outside the data section of " + dataLength + " bytes");
        }
        if (end - begin != numel * dtype.bytes) {
            throw new SafeTensorsFormatException(where + " has shape " + shapeNode + " of " + dtype + " (" + numel * dtype.bytes
                    + " bytes) but data_offsets span " + (end - begin) + " bytes");
        }
        return new Info(name, dtype, shape, begin, end);
    }

    /** An integer literal that fits a long: 2.0, 2.5, "2" and 1e3 are refused (Jackson would convert them). */
    private static boolean isWholeNumber(JsonNode n) {
        return n != null && n.isIntegralNumber() && n.canConvertToLong();
    }

    public Path path() {
        return path;
    }

    public Map<String, Info> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public Info info(String name) throws SafeTensorsFormatException {
        Info i = tensors.get(name);
        if (i == null) {
            throw new SafeTensorsFormatException(path + ": no tensor named '" + name + "'");
        }
        return i;
    }

    private ByteBuffer bytes(Info i) throws IOException {
        long n = i.end - i.begin;
        if (n > Integer.MAX_VALUE - 16) {
            throw new SafeTensorsFormatException(path + ": tensor '" + i.name + "' of " + n + " bytes is too large to read at once");
        }
        byte[] b = new byte[(int) n];
        in.readFully(dataStart + i.begin, b);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A floating tensor as float32 values, row-major. */
    public float[] readFloats(String name) throws IOException {
        Info i = info(name);
        ByteBuffer b = bytes(i);
        int n = (int) i.numel();
        float[] out = new float[n];
        switch (i.dtype) {
            case F32 -> b.asFloatBuffer().get(out);
            case F64 -> {
                for (int k = 0; k < n; k++) {
                    out[k] = (float) b.getDouble(k * 8);
                }
            }
            case F16 -> {
                for (int k = 0; k < n; k++) {
                    out[k] = Half.toFloat(b.getShort(k * 2));
                }
            }
            case BF16 -> {
                for (int k = 0; k < n; k++) {
                    out[k] = Float.intBitsToFloat((b.getShort(k * 2) & 0xffff) << 16);
                }
            }
            default -> throw new SafeTensorsFormatException(path + ": tensor '" + name + "' is " + i.dtype + ", not floating point");
        }
        return out;
    }

    /** An integer tensor (I64, I32, U8, BOOL) as longs, row-major. */
    public long[] readLongs(String name) throws IOException {
        Info i = info(name);
        ByteBuffer b = bytes(i);
        int n = (int) i.numel();
        long[] out = new long[n];
        switch (i.dtype) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> {
                for (int k = 0; k < n; k++) {
                    out[k] = b.getInt(k * 4);
                }
            }
            case U8, BOOL -> {
                for (int k = 0; k < n; k++) {
                    out[k] = b.get(k) & 0xff;
                }
            }
            default -> throw new SafeTensorsFormatException(path + ": tensor '" + name + "' is " + i.dtype + ", not an integer type");
        }
        return out;
    }

    /** A tensor as an INDArray of its shape: floating types as {@code floatType}, integers as LONG. */
    public INDArray read(String name, DataType floatType) throws IOException {
        Info i = info(name);
        INDArray a;
        if (i.dtype.isFloating()) {
            if (floatType == DataType.DOUBLE && i.dtype == TensorDType.F64) {
                double[] d = new double[(int) i.numel()];
                bytes(i).asDoubleBuffer().get(d);
                a = Nd4j.createFromArray(d);
            } else {
                a = Nd4j.createFromArray(readFloats(name)).castTo(floatType);
            }
        } else {
            a = Nd4j.createFromArray(readLongs(name));
        }
        return i.shape.length == 0 ? a.reshape() : a.reshape('c', i.shape);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
