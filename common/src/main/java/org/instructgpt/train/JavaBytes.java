package org.instructgpt.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

/**
 * Java serialisation to and from bytes, for the exchange's small messages (a result's header, a partition's summary,
 * the driver's plan). Our own rather than a library's: {@code ObjectInputStream} resolves classes through the loader of
 * the nearest caller on the stack, which on an executor must be the application's loader, not the one of a library
 * on Spark's classpath.
 */
final class JavaBytes {
    private JavaBytes() {
    }

    static byte[] of(Serializable o) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        } catch (IOException e) {
            throw new IllegalStateException("could not serialise a " + o.getClass().getName(), e);
        }
        return bytes.toByteArray();
    }

    static Object read(byte[] bytes) throws IOException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return in.readObject();
        } catch (ClassNotFoundException e) {
            throw new IOException("the exchange received an object of an unknown class", e);
        }
    }
}
