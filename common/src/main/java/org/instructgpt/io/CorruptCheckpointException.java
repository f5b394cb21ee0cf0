package org.instructgpt.io;

import java.io.IOException;

/** A checkpoint directory that is incomplete, truncated or altered. */
public final class CorruptCheckpointException extends IOException {
    public CorruptCheckpointException(String message) {
        super(message);
    }
}
