package org.instructgpt.io;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    @TempDir
    java.nio.file.Path tmp;
    private final FileSystem fs = Fixtures.localFs();

    private Path path(String name) {
        return new Path(tmp.resolve(name).toUri());
    }

    @Test
    void roundTripsEveryDtype() throws IOException {
        INDArray a = Nd4j.createFromArray(new float[]{1.5f, -2.25f, 3e-3f, 65504f, 0f, -0f}).reshape(2, 3);
        Path p = path("t.safetensors");
        new SafeTensorsWriter().metadata("format", "pt")
                .add("f32", a, TensorDType.F32).add("f64", a, TensorDType.F64)
                .add("f16", a, TensorDType.F16).add("bf16", a, TensorDType.BF16)
                .addLongs("i64", new long[]{1, -2, 1L << 40}, TensorDType.I64, 3)
                .addLongs("i32", new long[]{7, -8}, TensorDType.I32, 1, 2)
                .write(fs, p);
        try (SafeTensorsReader r = SafeTensorsReader.open(fs, p)) {
            assertEquals("pt", r.metadata().get("format"));
            assertArrayEquals(a.data().asFloat(), r.readFloats("f32"));
            assertArrayEquals(a.data().asFloat(), r.readFloats("f64"));
            assertArrayEquals(a.data().asFloat(), r.readFloats("f16"), 1e-3f);
            float[] bf16 = r.readFloats("bf16");
            for (int i = 0; i < bf16.length; i++) {
                assertEquals(a.data().getFloat(i), bf16[i], Math.abs(a.data().getFloat(i)) / 128, "bf16 keeps 8 bits of mantissa");
            }
            assertArrayEquals(new long[]{1, -2, 1L << 40}, r.readLongs("i64"));
            assertArrayEquals(new long[]{7, -8}, r.readLongs("i32"));
            assertArrayEquals(new long[]{2, 3}, r.info("f16").shape());
            assertEquals(DataType.FLOAT, r.read("f32", DataType.FLOAT).dataType());
        }
        // The data section starts 8-byte aligned.
        byte[] bytes = Files.readAllBytes(tmp.resolve("t.safetensors"));
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + n) % 8);
    }

    @Test
    void readsTheHuggingFaceFixtureExactly() throws IOException {
        try (SafeTensorsReader r = SafeTensorsReader.open(fs, new Path(Fixtures.tinyGpt2(), "model.safetensors"))) {
            assertArrayEquals(new long[]{384, 64}, r.info("transformer.wte.weight").shape());
            assertEquals(TensorDType.F32, r.info("transformer.wte.weight").dtype());
        }
    }

    /** A file whose header is the given JSON and whose data section has {@code dataBytes} bytes. */
    private Path craft(String name, String header, int dataBytes, long declaredHeaderLength) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredHeaderLength < 0 ? h.length : declaredHeaderLength).put(h);
        Files.write(tmp.resolve(name), b.array());
        return path(name);
    }

    private String refuse(Path p) {
        return assertThrows(SafeTensorsFormatException.class, () -> SafeTensorsReader.open(fs, p).close()).getMessage();
    }

    @Test
    void refusesBrokenFilesWithTheFileAndTensorNamed() throws IOException {
        String ok = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        String m;
        m = refuse(craft("huge-header.st", ok, 8, 1L << 40));
        assertTrue(m.contains("huge-header.st") && m.contains("header length"), m);
        m = refuse(craft("out.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, -1));
        assertTrue(m.contains("out.st") && m.contains("'w'") && m.contains("outside"), m);
        m = refuse(craft("shape.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, -1));
        assertTrue(m.contains("'w'") && m.contains("shape"), m);
        m = refuse(craft("dtype.st", "{\"w\":{\"dtype\":\"F8_E9\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, -1));
        assertTrue(m.contains("'w'") && m.contains("unknown dtype"), m);
        m = refuse(craft("overlap.st", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, -1));
        assertTrue(m.contains("overlaps"), m);
        m = refuse(craft("giant.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000000,1000000000],\"data_offsets\":[0,8]}}", 8, -1));
        assertTrue(m.contains("larger than the file"), m);
        m = refuse(craft("json.st", "{not json", 0, -1));
        assertTrue(m.contains("json.st") && m.contains("JSON"), m);
        m = refuse(craft("fractional-shape.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8, -1));
        assertTrue(m.contains("'w'") && m.contains("invalid dimension"), m);
        m = refuse(craft("float-shape.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8, -1));
        assertTrue(m.contains("invalid dimension"), m);
        m = refuse(craft("fractional-offset.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.5]}}", 8, -1));
        assertTrue(m.contains("'w'") && m.contains("data_offsets"), m);
        m = refuse(craft("duplicate.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, -1));
        assertTrue(m.contains("duplicate.st") && m.contains("Duplicate field 'w'"), m);
        Files.write(tmp.resolve("short.st"), new byte[]{1, 2, 3});
        m = refuse(path("short.st"));
        assertTrue(m.contains("too short"), m);
    }

    @Test
    void halfPrecisionConversionIsExactOnRepresentableValues() {
        for (float f : new float[]{0f, 1f, -2f, 0.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f}) {
            assertEquals(f, Half.toFloat(Half.fromFloat(f)), 0f, "value " + f);
        }
        assertTrue(Float.isInfinite(Half.toFloat(Half.fromFloat(1e6f))));
        assertTrue(Float.isNaN(Half.toFloat(Half.fromFloat(Float.NaN))));
    }
}
