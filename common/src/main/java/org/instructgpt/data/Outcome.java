package org.instructgpt.data;

import java.io.Serializable;

/**
 * What one source record became: a valid record or a reject, with the source it came from ({@code sub} numbers the
 * several rows one source record can yield, such as the ranked reply sets of an OpenAssistant tree).
 */
public record Outcome(SourceRecord source, int sub, DataRecord record, Reject reject) implements Serializable {
    public static Outcome valid(SourceRecord src, int sub, DataRecord record) {
        return new Outcome(src, sub, record, null);
    }

    public static Outcome rejected(SourceRecord src, int sub, Reject reject) {
        return new Outcome(src, sub, null, reject);
    }

    public boolean isValid() {
        return record != null;
    }

    public Outcome rejectedBecause(String field, String reason) {
        return new Outcome(source, sub, null, Reject.of(source, field, reason));
    }

    public Outcome withRecord(DataRecord r) {
        return new Outcome(source, sub, r, null);
    }

    /** A sort key that follows the input order: file, row, then the row's place within its source record. */
    public String position() {
        return String.format("%06d:%012d:%04d", source.fileIndex(), source.row(), sub);
    }
}
