package org.instructgpt.io;

import java.io.IOException;

/** A safetensors file that breaks the format: the message names the file and, where it applies, the tensor. */
public final class SafeTensorsFormatException extends IOException {
    public SafeTensorsFormatException(String message) {
        super(message);
    }
}
