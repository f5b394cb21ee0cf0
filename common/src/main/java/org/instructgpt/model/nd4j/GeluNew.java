package org.instructgpt.model.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * GPT-2's {@code gelu_new}: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). Composed from ND4J ops, since
 * libnd4j's precise GELU computes a different function.
 */
final class GeluNew {
    private static final double K = Math.sqrt(2.0 / Math.PI);
    private static final double A = 0.044715;
    private INDArray x;
    private INDArray t;

    INDArray forward(INDArray x) {
        this.x = x;
        INDArray x2 = x.mul(x);
        // u = K * x * (1 + A x^2)
        INDArray u = x2.mul(A).addi(1.0).muli(x).muli(K);
        t = Transforms.tanh(u, false);
        return t.add(1.0).muli(x).muli(0.5);
    }

    /** d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) K (1 + 3 A x^2). */
    INDArray backward(INDArray dy) {
        INDArray x2 = x.mul(x);
        INDArray du = x2.muli(3 * A).addi(1.0).muli(K);
        INDArray sech2 = t.mul(t).rsubi(1.0);
        INDArray grad = sech2.muli(du).muli(x).muli(0.5).addi(t.add(1.0).muli(0.5));
        x = null;
        t = null;
        return grad.muli(dy);
    }
}
