package org.instructgpt.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FloatBytesTest {
    @Test
    void roundTripsThroughLittleEndianBytes() {
        float[] v = {1.5f, -2.25f, Float.MIN_VALUE, 3e38f};
        byte[] b = FloatBytes.toBytes(Nd4j.createFromArray(v));
        assertArrayEquals(v, FloatBytes.toFloats(b));
        assertArrayEquals(new byte[]{0, 0, (byte) 0xc0, 0x3f}, java.util.Arrays.copyOf(b, 4));
    }

    @Test
    void gpt2SmallFitsOneArrayAndTheGpt3XlShapeDoesNot() {
        // GPT-2 124M and 355M fit; 1.3B parameters (the paper's smallest policy) do not fit one byte array.
        assertDoesNotThrow(() -> FloatBytes.requireShippable(124_439_808L));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FloatBytes.requireShippable(1_315_723_264L));
        assertTrue(e.getMessage().contains("1,315,723,264") && e.getMessage().contains("docs/scaling.md"), e.getMessage());
    }
}
