package org.instructgpt.eval;

import org.instructgpt.stats.Estimate;
import org.instructgpt.stats.Intervals;

import java.util.List;

/**
 * Several models' figures summed per document (summed loss over its tokens, cloze words completed) as ratios to the
 * document's weight (tokens, words), each with its difference from a baseline model's on the same documents; 95%
 * intervals resample documents, since the tokens or words of one document are not independent.
 */
final class DocumentRatios {
    private DocumentRatios() {
    }

    /** The index of {@code baseline} in {@code names}, or a clear error. */
    static int baselineIndex(List<String> names, String baseline) {
        int b = names.indexOf(baseline);
        if (b < 0) {
            throw new IllegalArgumentException("the baseline '" + baseline + "' is not one of the models " + names);
        }
        return b;
    }

    /**
     * @param sums   per document, each model's sum
     * @param weight per document, the weight the sums are over
     * @return per model {ratio, difference from the baseline's (null for the baseline itself)}
     */
    static Estimate[][] of(List<double[]> sums, double[] weight, int models, int baseline, long seed) {
        Estimate[][] out = new Estimate[models][2];
        for (int m = 0; m < models; m++) {
            int mm = m;
            double[] own = sums.stream().mapToDouble(d -> d[mm]).toArray();
            double[] diff = sums.stream().mapToDouble(d -> d[mm] - d[baseline]).toArray();
            out[m][0] = Intervals.clusteredRatio(own, weight, seed + 2L * m);
            out[m][1] = m == baseline ? null : Intervals.clusteredRatio(diff, weight, seed + 2L * m + 1);
        }
        return out;
    }
}
