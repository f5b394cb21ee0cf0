package org.instructgpt.io;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a resumed run needs beyond the weights: optimizer tensors (AdamW's moments, as flat buffers), the step, and
 * named counters such as the data-order and RNG position. Stored as {@code training_state.safetensors}, tensors in
 * float32 and counters in the header's metadata.
 */
public record TrainingState(long step, Map<String, INDArray> tensors, Map<String, String> counters) {
    public static final String FILE = "training_state.safetensors";

    public void write(FileSystem fs, Path dir) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter();
        w.metadata("step", Long.toString(step));
        counters.forEach((k, v) -> w.metadata("counter." + k, v));
        tensors.forEach(w::add);
        w.write(fs, new Path(dir, FILE));
    }

    public static TrainingState read(FileSystem fs, Path dir, DataType dtype) throws IOException {
        try (SafeTensorsReader r = SafeTensorsReader.open(fs, new Path(dir, FILE))) {
            String step = r.metadata().get("step");
            if (step == null) {
                throw new SafeTensorsFormatException(r.path() + ": no 'step' in the metadata");
            }
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            for (String name : r.tensors().keySet()) {
                tensors.put(name, r.read(name, dtype));
            }
            Map<String, String> counters = new LinkedHashMap<>();
            r.metadata().forEach((k, v) -> {
                if (k.startsWith("counter.")) {
                    counters.put(k.substring("counter.".length()), v);
                }
            });
            return new TrainingState(Long.parseLong(step), tensors, counters);
        }
    }
}
