package org.instructgpt.model.nd4j;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;

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

    private Workspaces() {
    }

    /** Opens (or re-enters) this thread's workspace called {@code name}; close it when the step is done. */
    public static MemoryWorkspace open(String name) {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, name);
    }
}
