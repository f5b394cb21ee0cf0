package org.instructgpt.io;

/** The safetensors dtypes we read and write. */
public enum TensorDType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), U8(1), BOOL(1);

    public final int bytes;

    TensorDType(int bytes) {
        this.bytes = bytes;
    }

    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    static TensorDType parse(String s) {
        for (TensorDType d : values()) {
            if (d.name().equals(s)) {
                return d;
            }
        }
        return null;
    }
}
