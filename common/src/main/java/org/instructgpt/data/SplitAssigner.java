package org.instructgpt.data;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Assigns train or validation by a stable hash of a grouping key: the row's group (user or customer) when it has one,
 * else its prompt, as the paper split by user so that no prompt (or user) is in both splits. The hash is SHA-256 of
 * the seed and the key, so the split is the same on every machine, in every run and after any task retry.
 */
public record SplitAssigner(double validationFraction, long seed) implements Serializable {
    public static final String TRAIN = "train";
    public static final String VALIDATION = "validation";

    public SplitAssigner {
        if (validationFraction < 0 || validationFraction > 1) {
            throw new IllegalArgumentException("validation fraction " + validationFraction + " is outside [0, 1]");
        }
    }

    public String assign(DataRecord r) {
        String key = r.groupId() != null && !r.groupId().isBlank() ? "group:" + r.groupId() : "prompt:" + r.key();
        return unit(key) < validationFraction ? VALIDATION : TRAIN;
    }

    /** A number in [0, 1) from the key's hash. */
    double unit(String key) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(Long.toString(seed).getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            byte[] h = md.digest(key.getBytes(StandardCharsets.UTF_8));
            return (ByteBuffer.wrap(h).getLong() >>> 11) * 0x1.0p-53;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
