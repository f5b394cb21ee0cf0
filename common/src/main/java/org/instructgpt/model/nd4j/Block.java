package org.instructgpt.model.nd4j;

import org.instructgpt.model.FlatParameters;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Layout;
import org.instructgpt.model.GptConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A pre-LayerNorm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)), with residual dropout. */
final class Block {
    private final LayerNorm ln1;
    private final CausalSelfAttention attn;
    private final Dropout attnResidDropout;
    private final LayerNorm ln2;
    private final Conv1D fc;
    private final GeluNew gelu = new GeluNew();
    private final Conv1D proj;
    private final Dropout mlpResidDropout;

    Block(GptConfig cfg, FlatParameters p, FlatParameters g, int layer) {
        Gpt2Layout.BlockNames names = Gpt2Layout.block(layer);
        ln1 = new LayerNorm(p, g, names.ln1(), cfg.layerNormEpsilon);
        attn = new CausalSelfAttention(cfg, p, g, names.attn(), layer);
        attnResidDropout = new Dropout(cfg.residPdrop, Gpt2Layout.attentionResidualDropout(layer));
        ln2 = new LayerNorm(p, g, names.ln2(), cfg.layerNormEpsilon);
        fc = new Conv1D(p, g, names.fc());
        proj = new Conv1D(p, g, names.mlpProj());
        mlpResidDropout = new Dropout(cfg.residPdrop, Gpt2Layout.mlpResidualDropout(layer));
    }

    INDArray forward(INDArray x, int batch, int time, INDArray maskBias, KvCache cache, ForwardMode mode) {
        INDArray a = attn.forward(ln1.forward(x), batch, time, maskBias, cache, mode);
        INDArray h = x.add(attnResidDropout.forward(a, mode));
        INDArray m = proj.forward(gelu.forward(fc.forward(ln2.forward(h))));
        return h.addi(mlpResidDropout.forward(m, mode));
    }

    INDArray backward(INDArray dOut) {
        INDArray dm = mlpResidDropout.backward(dOut);
        INDArray dh = ln2.backward(fc.backward(gelu.backward(proj.backward(dm)))).addi(dOut);
        INDArray da = attnResidDropout.backward(dh);
        return ln1.backward(attn.backward(da)).addi(dh);
    }
}
