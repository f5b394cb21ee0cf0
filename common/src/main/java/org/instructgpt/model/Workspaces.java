package org.instructgpt.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ND4J workspaces for the hot loops. A fresh off-heap allocation of a few MB costs milliseconds (more than the
 * arithmetic on it), so every training step and generation step runs inside a workspace whose memory is learned on
 * the first pass and reused after; arrays created inside are only valid until the scope closes.
 */
public final class Workspaces {
    private static final WorkspaceConfiguration CONFIG = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.1)
            .policySpill(SpillPolicy.REALLOCATE)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .build();
    private static final Map<String, INDArray> ONES = new ConcurrentHashMap<>();

    private Workspaces() {
    }

    /** Opens (or re-enters) this thread's workspace called {@code name}; close it when the step is done. */
    public static MemoryWorkspace open(String name) {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, name);
    }

    /** A [1, n] row of ones outside any workspace, cached: column sums as a gemm are ~15x faster than sum(0). */
    static INDArray onesRow(long n, DataType dtype) {
        return ONES.computeIfAbsent(dtype + ":" + n, k -> {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return Nd4j.ones(dtype, 1, n);
            }
        });
    }

    /** target[1, c] += column sums of x[n, c] (a view of a flat buffer is fine). */
    static void addColumnSums(INDArray target, INDArray x) {
        INDArray row = target.reshape(1, target.length());
        Nd4j.gemm(onesRow(x.rows(), x.dataType()), x, row, false, false, 1.0, 1.0);
    }
}
