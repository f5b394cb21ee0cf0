package org.instructgpt.generate;

/**
 * A batch of generations. Responses are [batch][maxNewTokens]: after EOS (which is kept, mask 1) come pad tokens with
 * mask 0 and log-prob 0.
 *
 * @param promptIds the left-padded prompts, [batch][promptLength]
 * @param promptMask their attention mask
 * @param responseIds the generated tokens
 * @param logProbs log p(token) under softmax(logits / temperature)
 * @param responseMask 1 for generated tokens up to and including EOS, 0 after
 */
public record GenerationResult(int[][] promptIds, int[][] promptMask, int[][] responseIds, float[][] logProbs,
                               int[][] responseMask) {
    public int batch() {
        return responseIds.length;
    }

    /** The response of one row, up to and including EOS, without the padding after it. */
    public int[] responseTokens(int row) {
        int n = 0;
        while (n < responseMask[row].length && responseMask[row][n] != 0) {
            n++;
        }
        return java.util.Arrays.copyOf(responseIds[row], n);
    }

    /** Prompt followed by response, [batch][promptLength + maxNewTokens], as Hugging Face's generate returns. */
    public int[][] sequences() {
        int[][] out = new int[batch()][];
        for (int b = 0; b < batch(); b++) {
            int p = promptIds[b].length;
            out[b] = new int[p + responseIds[b].length];
            System.arraycopy(promptIds[b], 0, out[b], 0, p);
            System.arraycopy(responseIds[b], 0, out[b], p, responseIds[b].length);
        }
        return out;
    }
}
