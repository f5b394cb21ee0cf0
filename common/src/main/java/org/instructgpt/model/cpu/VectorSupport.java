package org.instructgpt.model.cpu;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Whether the array engine can run in this JVM: the JDK's {@code jdk.incubator.vector} module must be present (the
 * JVM started with {@code --add-modules jdk.incubator.vector}), ND4J must run on the CPU (its parameter buffers are
 * then host memory the engine copies from), and {@code -Dinstructgpt.arrayEngine=false} must not be set.
 */
public final class VectorSupport {
    private static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    private static final boolean CPU = Nd4j.getBackend().getClass().getSimpleName().startsWith("Cpu");
    private static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("instructgpt.arrayEngine", "true"));

    private VectorSupport() {
    }

    public static boolean available() {
        return VECTOR_API && CPU && ENABLED;
    }

    /** Why the array engine can or cannot run, for error messages and benchmark records. */
    public static String describe() {
        return "Vector API " + (VECTOR_API ? "present" : "absent") + ", ND4J backend "
                + Nd4j.getBackend().getClass().getSimpleName() + (ENABLED ? "" : ", disabled by -Dinstructgpt.arrayEngine=false");
    }
}
