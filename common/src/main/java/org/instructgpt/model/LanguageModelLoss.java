package org.instructgpt.model;

/**
 * The causal-LM loss, written once on the {@link GptEngine} interface: loss = -sum_i w_i log p(target_i) / normalizer,
 * where position t predicts token t+1 of the same row; the last position and positions whose next token is masked get
 * weight 0, and an optional per-token loss mask (SFT's completion-only loss) multiplies in.
 */
public final class LanguageModelLoss {
    private LanguageModelLoss() {
    }

    /** Next-token targets per row and their weights; a target of -1 (weight 0) is not predicted. */
    public record Targets(int[] targets, float[] weights) {
        public double weightSum() {
            double s = 0;
            for (float w : weights) {
                s += w;
            }
            return s;
        }
    }

    /**
     * @param lossMask per input position, whether the token at that position is to be predicted (null: every
     *                 unpadded token)
     */
    public static Targets shifted(ModelInput in, float[] lossMask) {
        int b = in.batch();
        int t = in.time();
        int[] targets = new int[b * t];
        float[] weights = new float[b * t];
        java.util.Arrays.fill(targets, -1);
        for (int i = 0; i < b; i++) {
            for (int j = 0; j + 1 < t; j++) {
                int next = i * t + j + 1;
                float w = in.mask()[next] * in.mask()[i * t + j];
                if (lossMask != null) {
                    w *= lossMask[next];
                }
                if (w != 0) {
                    targets[i * t + j] = in.ids()[next];
                    weights[i * t + j] = w;
                }
            }
        }
        return new Targets(targets, weights);
    }

    /**
     * One forward and backward, normalised by {@code normalizer} (pass the weight sum of the global batch so that
     * per-partition gradients add up to the global mean). The gradient is added to the model's gradient buffer.
     */
    public static double forwardBackward(Gpt2Model model, ModelInput in, Targets targets, double normalizer, ForwardMode mode) {
        double[] dLogProbs = new double[targets.weights().length];
        for (int i = 0; i < dLogProbs.length; i++) {
            dLogProbs[i] = -targets.weights()[i] / normalizer;
        }
        PassOutput out = model.forwardBackward(in, PassRequest.logProbs(targets.targets()), mode,
                o -> new GptEngine.OutputGradient(dLogProbs, null));
        return weightedLoss(out, targets) / normalizer;
    }

    /** The loss without dropout or gradients (validation), normalised by {@code normalizer}. */
    public static double loss(Gpt2Model model, ModelInput in, Targets targets, double normalizer) {
        return weightedLoss(model.forward(in, PassRequest.logProbs(targets.targets()), ForwardMode.EVAL), targets) / normalizer;
    }

    private static double weightedLoss(PassOutput out, Targets targets) {
        double loss = 0;
        for (int i = 0; i < out.logProbs().length; i++) {
            loss -= targets.weights()[i] * out.logProbs()[i];
        }
        return loss;
    }
}
