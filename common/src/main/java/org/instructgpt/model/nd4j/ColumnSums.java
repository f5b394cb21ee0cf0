package org.instructgpt.model.nd4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Column sums as a gemm with a row of ones: ~15x faster than ND4J's {@code sum(0)} on [2048, 1024]. Used by every
 * bias and LayerNorm gradient.
 */
final class ColumnSums {
    private static final Map<String, INDArray> ONES = new ConcurrentHashMap<>();

    private ColumnSums() {
    }

    /** target[c] += column sums of x[n, c] (a view of a flat buffer is fine). */
    static void addTo(INDArray target, INDArray x) {
        INDArray row = target.reshape(1, target.length());
        Nd4j.gemm(onesRow(x.rows(), x.dataType()), x, row, false, false, 1.0, 1.0);
    }

    /** A cached [1, n] row of ones, allocated outside any workspace so it outlives every step. */
    private static INDArray onesRow(long n, DataType dtype) {
        return ONES.computeIfAbsent(dtype + ":" + n, k -> {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return Nd4j.ones(dtype, 1, n);
            }
        });
    }
}
