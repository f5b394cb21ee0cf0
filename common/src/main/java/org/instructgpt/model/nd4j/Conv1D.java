package org.instructgpt.model.nd4j;

import org.instructgpt.model.FlatParameters;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** GPT-2's {@code Conv1D}: an affine map whose weight is stored {@code [in, out]}, so y = x W + b. */
final class Conv1D {
    private final INDArray w;
    private final INDArray b;
    private final INDArray dw;
    private final INDArray db;
    private INDArray x;

    Conv1D(FlatParameters p, FlatParameters g, String name) {
        w = p.get(name + ".weight");
        b = p.get(name + ".bias");
        dw = g == null ? null : g.get(name + ".weight");
        db = g == null ? null : g.get(name + ".bias");
    }

    /** x: [n, in] (c-order) to [n, out]. Keeps x for the backward pass. */
    INDArray forward(INDArray x) {
        this.x = x;
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.rows(), w.columns());
        Nd4j.gemm(x, w, y, false, false, 1.0, 0.0);
        return y.addiRowVector(b);
    }

    /** Accumulates dW and db; returns dx. */
    INDArray backward(INDArray dy) {
        Nd4j.gemm(x, dy, dw, true, false, 1.0, 1.0);
        ColumnSums.addTo(db, dy);
        INDArray dx = Nd4j.createUninitialized(dy.dataType(), dy.rows(), w.rows());
        Nd4j.gemm(dy, w, dx, false, true, 1.0, 0.0);
        x = null;
        return dx;
    }
}
