package org.instructgpt.data;

/** Too many rows of an input were rejected; the rejects and the counts have been written for inspection. */
public final class DataQualityException extends RuntimeException {
    public DataQualityException(String message) {
        super(message);
    }
}
