package org.instructgpt.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The parameter counts docs/scaling.md's arithmetic starts from. */
class Gpt2LayoutSizeTest {
    @Test
    void gpt2SmallHasHuggingFacesCount() {
        // Hugging Face's gpt2: 124,439,808 parameters (the LM head is the tied token embedding).
        assertEquals(124_439_808L, Gpt2Layout.size(GptConfig.of(50257, 1024, 768, 12, 12), false));
        // The reward and value models: the same body and a score vector of n_embd, no bias.
        assertEquals(124_439_808L + 768, Gpt2Layout.size(GptConfig.of(50257, 1024, 768, 12, 12), true));
    }

    @Test
    void thePapers13bShape() {
        // GPT-3 XL's shape (24 layers, d 2048, 16 heads, 2048 positions), the paper's 1.3B policy, in GPT-2's layout.
        assertEquals(1_315_723_264L, Gpt2Layout.size(GptConfig.of(50257, 2048, 2048, 24, 16), false));
    }
}
