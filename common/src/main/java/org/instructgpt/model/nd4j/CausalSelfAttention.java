package org.instructgpt.model.nd4j;

import org.instructgpt.model.FlatParameters;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Layout;
import org.instructgpt.model.GptConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

/**
 * Multi-head causal self-attention as GPT-2 computes it: one {@code c_attn} projection to q, k, v, all heads in one
 * batched matmul, an additive mask (causal and padding), softmax, attention dropout, and {@code c_proj}. With a
 * {@link KvCache} the new keys and values are appended and the queries attend to everything cached, so training,
 * scoring and generation share this code.
 */
final class CausalSelfAttention {
    private final Conv1D cAttn;
    private final Conv1D cProj;
    private final Dropout attnDropout;
    private final int nHead;
    private final int headDim;
    private final int layer;
    private final double scale;
    // Kept for backward: [B, H, T, D] queries, [B, H, S, D] keys and values, [B, H, T, S] probabilities.
    private INDArray q;
    private INDArray k;
    private INDArray v;
    private INDArray probs;
    private INDArray probsDropped;

    CausalSelfAttention(GptConfig cfg, FlatParameters p, FlatParameters g, String prefix, int layer) {
        cAttn = new Conv1D(p, g, prefix + ".c_attn");
        cProj = new Conv1D(p, g, prefix + ".c_proj");
        attnDropout = new Dropout(cfg.attnPdrop, Gpt2Layout.attentionDropout(layer));
        nHead = cfg.nHead;
        headDim = cfg.headDim();
        this.layer = layer;
        scale = cfg.attentionScale(layer);
    }

    /**
     * x: [B*T, C]; maskBias: [B, 1, T, S] (0 where a query may attend, a large negative number elsewhere), with
     * S = T without a cache and S = cached length + T with one.
     */
    INDArray forward(INDArray x, int batch, int time, INDArray maskBias, KvCache cache, ForwardMode mode) {
        INDArray qkvRows = cAttn.forward(x);
        INDArray qkv = qkvRows.reshape('c', batch, time, 3, nHead, headDim);
        q = heads(qkv, 0);
        INDArray kNew = heads(qkv, 1);
        INDArray vNew = heads(qkv, 2);
        if (cache != null) {
            int past = cache.length();
            INDArrayIndex fresh = interval(past, past + time);
            INDArrayIndex upToNow = interval(0, past + time);
            cache.keys(layer).get(all(), all(), fresh, all()).assign(kNew);
            cache.values(layer).get(all(), all(), fresh, all()).assign(vNew);
            k = cache.keys(layer).get(all(), all(), upToNow, all()).dup('c');
            v = cache.values(layer).get(all(), all(), upToNow, all()).dup('c');
        } else {
            k = kNew;
            v = vNew;
        }
        INDArray scores = Nd4j.matmul(q, k, null, false, true, false);
        scores.muli(scale).addi(maskBias);
        probs = Nd4j.exec(new SoftMax(scores, scores, -1))[0];
        probsDropped = attnDropout.forward(probs, mode);
        INDArray y = Nd4j.matmul(probsDropped, v);
        INDArray merged = y.permute(0, 2, 1, 3).dup('c').reshape('c', (long) batch * time, (long) nHead * headDim);
        return cProj.forward(merged);
    }

    /** The [B, H, T, D] heads of q (0), k (1) or v (2) from the fused [B, T, 3, H, D] projection. */
    private static INDArray heads(INDArray qkv, int which) {
        return qkv.get(all(), all(), point(which), all(), all()).permute(0, 2, 1, 3).dup('c');
    }

    INDArray backward(INDArray dOut) {
        INDArray dMerged = cProj.backward(dOut);
        long batch = q.size(0);
        long time = q.size(2);
        INDArray dY = dMerged.reshape('c', batch, time, nHead, headDim).permute(0, 2, 1, 3).dup('c');
        // y = P v
        INDArray dProbsDropped = Nd4j.matmul(dY, v, null, false, true, false);
        INDArray dV = Nd4j.matmul(probsDropped, dY, null, true, false, false);
        INDArray dProbs = attnDropout.backward(dProbsDropped);
        // softmax: dS = P * (dP - sum(dP * P))
        INDArray dot = dProbs.mul(probs).sum(true, 3);
        INDArray dScores = dProbs.subi(dot).muli(probs).muli(scale);
        INDArray dQ = Nd4j.matmul(dScores, k);
        INDArray dK = Nd4j.matmul(dScores, q, null, true, false, false);
        INDArray dQkv = Nd4j.createUninitialized(dOut.dataType(), batch, time, 3, nHead, headDim);
        dQkv.get(all(), all(), point(0), all(), all()).assign(dQ.permute(0, 2, 1, 3));
        dQkv.get(all(), all(), point(1), all(), all()).assign(dK.permute(0, 2, 1, 3));
        dQkv.get(all(), all(), point(2), all(), all()).assign(dV.permute(0, 2, 1, 3));
        q = k = v = probs = probsDropped = null;
        return cAttn.backward(dQkv.reshape('c', batch * time, 3L * nHead * headDim));
    }

}
