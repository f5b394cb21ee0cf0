package org.instructgpt.data.importers;

/** A record cannot be read: names the field and the reason, which become the reject's columns. */
public final class FieldException extends RuntimeException {
    private final String field;

    public FieldException(String field, String reason) {
        super(reason);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
