package org.instructgpt.data;

import java.io.Serializable;

/**
 * A token sequence for training or scoring: ids, which positions the loss is taken on (1 = predict this token), and
 * whether it had to be cut to fit the length limit.
 */
public record TokenizedExample(int[] ids, float[] lossMask, boolean truncated) implements Serializable {
    public int length() {
        return ids.length;
    }
}
