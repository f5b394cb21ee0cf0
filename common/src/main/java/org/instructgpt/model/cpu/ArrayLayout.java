package org.instructgpt.model.cpu;

import org.instructgpt.model.FlatParameters;
import org.instructgpt.model.Gpt2Layout;
import org.instructgpt.model.GptConfig;

/** {@link Gpt2Layout}'s tensors as offsets into the flat float array the array engine copies the parameters into. */
final class ArrayLayout {
    /** Offsets of one block's tensors, and its attention scale. */
    record Block(int ln1g, int ln1b, int attnW, int attnB, int projW, int projB, int ln2g, int ln2b, int fcW,
                 int fcB, int outW, int outB, float scale) {
    }

    final int wte;
    final int wpe;
    final int lnfG;
    final int lnfB;
    /** -1 without a scalar head. */
    final int score;
    final Block[] blocks;

    ArrayLayout(FlatParameters fp, GptConfig cfg) {
        wte = offset(fp, Gpt2Layout.WTE);
        wpe = offset(fp, Gpt2Layout.WPE);
        lnfG = offset(fp, Gpt2Layout.LN_F_WEIGHT);
        lnfB = offset(fp, Gpt2Layout.LN_F_BIAS);
        score = fp.has(Gpt2Layout.SCORE) ? offset(fp, Gpt2Layout.SCORE) : -1;
        blocks = new Block[cfg.nLayer];
        for (int l = 0; l < cfg.nLayer; l++) {
            Gpt2Layout.BlockNames h = Gpt2Layout.block(l);
            blocks[l] = new Block(offset(fp, h.ln1Weight()), offset(fp, h.ln1Bias()), offset(fp, h.attnWeight()),
                    offset(fp, h.attnBias()), offset(fp, h.attnProjWeight()), offset(fp, h.attnProjBias()),
                    offset(fp, h.ln2Weight()), offset(fp, h.ln2Bias()), offset(fp, h.fcWeight()), offset(fp, h.fcBias()),
                    offset(fp, h.mlpProjWeight()), offset(fp, h.mlpProjBias()), (float) cfg.attentionScale(l));
        }
    }

    private static int offset(FlatParameters fp, String name) {
        return (int) fp.entry(name).offset();
    }
}
