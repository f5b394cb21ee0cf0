package org.instructgpt.model;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Next-token targets and weights for a batch: position t predicts token t+1 of the same row; the last position and
 * positions whose next token is masked get weight 0, and an optional per-token loss mask (SFT's completion-only loss)
 * multiplies in.
 */
public final class LanguageModelLoss {
    private LanguageModelLoss() {
    }

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
        for (int i = 0; i < b; i++) {
            for (int j = 0; j + 1 < t; j++) {
                int next = i * t + j + 1;
                float w = in.mask()[next] * in.mask()[i * t + j];
                if (lossMask != null) {
                    w *= lossMask[next];
                }
                targets[i * t + j] = in.ids()[next];
                weights[i * t + j] = w;
            }
        }
        return new Targets(targets, weights);
    }

    /**
     * One forward and backward of the LM loss, normalised by {@code normalizer} (pass the weight sum of the global
     * batch so that per-partition gradients add up to the global mean). Gradients accumulate into the model's grads.
     * Float32 models run on Java arrays ({@link HeapTrainingPass}) where the Vector API is present, others on ND4J.
     */
    public static double forwardBackward(Gpt2Model model, ModelInput in, Targets targets, double normalizer, ForwardMode mode) {
        if (HeapTrainingPass.supports(model, in)) {
            return model.heapTrainingPass().lmForwardBackward(in, targets, normalizer, mode);
        }
        try (MemoryWorkspace ignored = Workspaces.open("lm-step")) {
            INDArray hidden = model.forward(in, null, mode);
            INDArray logits = model.lmLogits(hidden);
            TokenCrossEntropy.Result r = TokenCrossEntropy.lossAndGradient(logits, targets.targets(), targets.weights(), normalizer, true);
            model.backward(model.lmBackward(r.dLogits()));
            return r.loss();
        }
    }
}
