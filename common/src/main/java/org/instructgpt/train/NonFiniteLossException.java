package org.instructgpt.train;

/** A partition returned a NaN or infinite loss or gradient; the step was refused and nothing was updated or saved. */
public final class NonFiniteLossException extends RuntimeException {
    public NonFiniteLossException(String message) {
        super(message);
    }
}
