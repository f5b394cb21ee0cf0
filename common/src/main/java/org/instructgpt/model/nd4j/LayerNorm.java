package org.instructgpt.model.nd4j;

import org.instructgpt.model.FlatParameters;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * LayerNorm over the last dimension with GPT-2's epsilon. Composed from ND4J ops because libnd4j's own
 * {@code layer_norm} op has no epsilon.
 */
final class LayerNorm {
    private final INDArray gamma;
    private final INDArray beta;
    private final INDArray dGamma;
    private final INDArray dBeta;
    private final double eps;
    private INDArray xhat;
    private INDArray rstd;

    LayerNorm(FlatParameters p, FlatParameters g, String name, double eps) {
        gamma = p.get(name + ".weight");
        beta = p.get(name + ".bias");
        dGamma = g == null ? null : g.get(name + ".weight");
        dBeta = g == null ? null : g.get(name + ".bias");
        this.eps = eps;
    }

    /** x: [n, c]. */
    INDArray forward(INDArray x) {
        INDArray mean = x.mean(true, 1);
        INDArray xc = x.subColumnVector(mean);
        INDArray var = xc.mul(xc).mean(true, 1);
        rstd = Transforms.pow(var.addi(eps), -0.5, false);
        xhat = xc.muliColumnVector(rstd);
        return xhat.mulRowVector(gamma).addiRowVector(beta);
    }

    /** dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)); accumulates dGamma, dBeta. */
    INDArray backward(INDArray dy) {
        ColumnSums.addTo(dGamma, dy.mul(xhat));
        ColumnSums.addTo(dBeta, dy);
        INDArray dxhat = dy.mulRowVector(gamma);
        INDArray m1 = dxhat.mean(true, 1);
        INDArray m2 = dxhat.mul(xhat).mean(true, 1);
        INDArray dx = dxhat.subiColumnVector(m1).subi(xhat.muliColumnVector(m2)).muliColumnVector(rstd);
        xhat = null;
        rstd = null;
        return dx;
    }
}
