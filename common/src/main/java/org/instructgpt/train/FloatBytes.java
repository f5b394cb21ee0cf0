package org.instructgpt.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Flat float buffers shipped through Spark as little-endian bytes. Kryo writes a float[] element by element and
 * ND4J's {@code toFloatVector()} took 80 ms for 3.4M floats; on the CPU backend the bytes are copied straight out of
 * and into the array's memory instead (other backends take ND4J's own copies). The float[] helpers serve code that
 * ships plain arrays (the synchronisation benchmark).
 */
public final class FloatBytes {
    /** The most floats one Java byte array holds (the JVM's array limit, a little under 2^31 bytes). */
    static final long MAX_FLOATS = (Integer.MAX_VALUE - 8) / 4;

    private FloatBytes() {
    }

    /** Read on first use, so the float[] helpers do not load ND4J's backend. */
    private static final class Backend {
        static final boolean CPU = Nd4j.getBackend().getClass().getSimpleName().startsWith("Cpu");
    }

    /** Refuses a model whose parameters would not fit one byte array, before any step is tried. */
    static void requireShippable(long parameters) {
        if (parameters > MAX_FLOATS) {
            throw new IllegalArgumentException(String.format("a model of %,d parameters is larger than the trainer can"
                    + " ship: parameters and gradients travel as one Java byte array each, at most %,d floats"
                    + " (docs/scaling.md)", parameters, MAX_FLOATS));
        }
    }

    /** A contiguous float vector in CPU memory, which {@link #floats} can read and write in place. */
    static boolean direct(INDArray a) {
        return Backend.CPU && a.dataType() == DataType.FLOAT && a.isVector() && a.elementWiseStride() == 1 && a.length() < Integer.MAX_VALUE / 4;
    }

    private static ByteBuffer memory(INDArray a) {
        ByteBuffer b = a.data().asNio().order(ByteOrder.nativeOrder());
        int off = (int) (a.offset() * 4);
        return b.slice(off, (int) a.length() * 4).order(ByteOrder.nativeOrder());
    }

    /** The array's own memory as floats (only where {@link #direct}). */
    static java.nio.FloatBuffer floats(INDArray a) {
        return memory(a).asFloatBuffer();
    }

    static byte[] toBytes(INDArray a) {
        return toBytes(a, null);
    }

    /** The array's floats as bytes, into {@code reuse} where it has the right length (then no allocation). */
    static byte[] toBytes(INDArray a, byte[] reuse) {
        byte[] out = reuse != null && reuse.length == a.length() * 4 ? reuse : new byte[(int) a.length() * 4];
        if (direct(a) && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            memory(a).get(out);
            return out;
        }
        view(out).put(a.toFloatVector());
        return out;
    }

    /** a = the floats in {@code bytes}. */
    static void assign(INDArray a, byte[] bytes) {
        if (direct(a) && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            memory(a).put(bytes);
            return;
        }
        a.assign(Nd4j.createFromArray(toFloats(bytes)).castTo(a.dataType()));
    }

    /** a = v. */
    static void assign(INDArray a, float[] v) {
        if (direct(a)) {
            memory(a).asFloatBuffer().put(v);
            return;
        }
        a.assign(Nd4j.createFromArray(v).castTo(a.dataType()));
    }

    /** v as little-endian bytes. */
    public static byte[] toBytes(float[] v) {
        byte[] out = new byte[v.length * 4];
        view(out).put(v);
        return out;
    }

    /** The floats in {@code b}, read and written in place. */
    public static java.nio.FloatBuffer view(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    public static float[] toFloats(byte[] b) {
        float[] v = new float[b.length / 4];
        view(b).get(v);
        return v;
    }
}
