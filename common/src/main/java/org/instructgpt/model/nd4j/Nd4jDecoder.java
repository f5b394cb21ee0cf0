package org.instructgpt.model.nd4j;

import org.instructgpt.model.Decoder;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.ModelInput;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The ND4J engine's cached forward: the same modules with a {@link KvCache}; the reference for the array decoder. */
final class Nd4jDecoder implements Decoder {
    private final Nd4jEngine engine;
    private final KvCache cache;

    Nd4jDecoder(Nd4jEngine engine, GptConfig config, DataType dtype, int batch, int capacity) {
        this.engine = engine;
        // Allocated outside any workspace: it outlives every step.
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            this.cache = new KvCache(config, dtype, batch, capacity);
        }
    }

    boolean fits(int batch, int capacity) {
        return cache.batch() == batch && cache.capacity() == capacity;
    }

    void reset() {
        cache.reset();
    }

    @Override
    public double[] forward(ModelInput in, int[] rows) {
        // Each step's activations live in a reused workspace.
        try (MemoryWorkspace ignored = Workspaces.open("decode-step")) {
            INDArray hidden = engine.transformer(in, cache, ForwardMode.EVAL);
            return engine.lmLogits(Nd4j.pullRows(hidden, 1, rows)).castTo(DataType.DOUBLE).data().asDouble();
        }
    }

    @Override
    public int length() {
        return cache.length();
    }
}
