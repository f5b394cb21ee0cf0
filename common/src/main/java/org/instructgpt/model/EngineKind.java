package org.instructgpt.model;

import org.instructgpt.model.cpu.VectorSupport;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Which engine a model runs on. {@code AUTO} takes the array engine where it applies (float32 parameters, ND4J on the
 * CPU, the JDK's Vector API present) and the ND4J engine everywhere else (double precision, GPUs).
 */
public enum EngineKind {
    AUTO, ND4J, ARRAY;

    /** The engine a model of this data type gets; ARRAY where it cannot run is an error naming why. */
    public EngineKind resolve(DataType dtype) {
        boolean arrays = VectorSupport.available() && dtype == DataType.FLOAT;
        return switch (this) {
            case AUTO -> arrays ? ARRAY : ND4J;
            case ND4J -> ND4J;
            case ARRAY -> {
                if (!arrays) {
                    throw new IllegalArgumentException("engine 'array' needs float32 parameters, ND4J's CPU backend and "
                            + "the JVM flag --add-modules jdk.incubator.vector (" + VectorSupport.describe() + ", " + dtype + ")");
                }
                yield ARRAY;
            }
        };
    }

    /** Parses a config value ({@code auto}, {@code nd4j}, {@code array}). */
    public static EngineKind parse(String s) {
        for (EngineKind k : values()) {
            if (k.name().equalsIgnoreCase(s.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown engine '" + s + "': expected auto, nd4j or array");
    }
}
