package org.instructgpt.model.cpu;

/**
 * Scratch space for the kernels: one float buffer per thread (model replicas run on their own threads), grown on
 * demand and reused, so a pass allocates nothing for its intermediate values.
 */
final class ThreadBuffer {
    private final ThreadLocal<float[][]> held = ThreadLocal.withInitial(() -> new float[][]{new float[0]});

    /** This thread's buffer, at least {@code n} long; its contents are whatever the last user left. */
    float[] take(int n) {
        float[][] h = held.get();
        if (h[0].length < n) {
            h[0] = new float[n];
        }
        return h[0];
    }
}
