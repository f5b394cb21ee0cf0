package org.instructgpt.model.cpu;

import org.instructgpt.model.DropoutMask;
import org.instructgpt.model.ForwardMode;

import static org.instructgpt.model.cpu.ArrayKernels.multiply;
import static org.instructgpt.model.cpu.ArrayKernels.scale;

/**
 * Inverted dropout on the array engine's rows, its masks drawn from {@link DropoutMask} at the same sites as the ND4J
 * engine's, so both engines drop the same units.
 */
final class ArrayDropout {
    private ArrayDropout() {
    }

    /** In place: x *= keep / (1 - p); returns those scaled keep flags, or null when dropout is off. */
    static float[] apply(float[] x, int n, double p, ForwardMode mode, long site) {
        float[] keep = scaledKeep(n, p, mode, site);
        if (keep != null) {
            multiply(x, 0, keep, 0, x, 0, n);
        }
        return keep;
    }

    /** The site's keep flags times 1 / (1 - p), or null when dropout is off. */
    static float[] scaledKeep(int n, double p, ForwardMode mode, long site) {
        if (p <= 0 || !mode.training()) {
            return null;
        }
        float[] keep = DropoutMask.draw(mode.dropoutSeed(), site, n, p);
        scale(keep, 0, n, (float) (1.0 / (1.0 - p)));
        return keep;
    }

    /** dy * keep into {@code out}, or dy itself without dropout. */
    static float[] masked(float[] dy, float[] keep, float[] out, int n) {
        if (keep == null) {
            return dy;
        }
        multiply(dy, 0, keep, 0, out, 0, n);
        return out;
    }
}
