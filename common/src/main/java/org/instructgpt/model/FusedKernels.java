package org.instructgpt.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Decides whether the fused {@link VectorKernels} may run: the JDK's {@code jdk.incubator.vector} module must be
 * present (the JVM started with {@code --add-modules jdk.incubator.vector}), ND4J must run on the CPU (GPU arrays
 * are not host memory), the arrays must be contiguous float arrays, and {@code -Dinstructgpt.fusedKernels=false}
 * must not be set. Everywhere else the modules use their composed ND4J code, which is also the reference the fused
 * kernels are tested against.
 */
public final class FusedKernels {
    private static final boolean AVAILABLE = detect();

    private FusedKernels() {
    }

    private static boolean detect() {
        if (!Boolean.parseBoolean(System.getProperty("instructgpt.fusedKernels", "true"))) {
            return false;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        return Nd4j.getBackend().getClass().getSimpleName().startsWith("Cpu");
    }

    /** Whether this JVM runs the fused kernels at all (for logs and benchmark records). */
    public static boolean available() {
        return AVAILABLE;
    }

    /** Whether the array-based passes ({@link KvCacheDecoder}, {@link HeapTrainingPass}) can run this model. */
    static boolean onArrays(Gpt2Model m) {
        return AVAILABLE && m.dataType() == DataType.FLOAT;
    }

    /** Whether the fused kernels may run on these arrays. */
    static boolean applicable(INDArray... arrays) {
        if (!AVAILABLE) {
            return false;
        }
        for (INDArray a : arrays) {
            if (a.dataType() != DataType.FLOAT || !rowMajorContiguous(a) || a.length() > Integer.MAX_VALUE / 4) {
                return false;
            }
        }
        return true;
    }

    /** Row-major with no gaps; unlike ND4J's default-stride check, any stride is accepted on a dimension of size 1. */
    static boolean rowMajorContiguous(INDArray a) {
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            long size = a.size(d);
            if (size != 1 && a.stride(d) != expected) {
                return false;
            }
            expected *= size;
        }
        return true;
    }
}
