package org.instructgpt.jobs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.instructgpt.io.ModelCheckpoint;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the cluster tests read back from a stage's output directory. */
final class StageOutputs {
    private StageOutputs() {
    }

    /** The flat parameters of a checkpoint directory (a stage's final/, PPO's value/). */
    static float[] parameters(Path checkpoint) throws Exception {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        ModelCheckpoint.Loaded m = ModelCheckpoint.load(fs, new org.apache.hadoop.fs.Path(checkpoint.toUri()),
                DataType.FLOAT);
        return m.model().params().flat().toFloatVector();
    }

    /** How many metrics.jsonl lines of one kind ("train", "ppo") a stage has written so far. */
    static long metricsOfKind(Path stage, String kind) throws IOException {
        Path metrics = stage.resolve("metrics.jsonl");
        if (!Files.exists(metrics)) {
            return 0;
        }
        String tag = "\"kind\":\"" + kind + "\"";
        try (var lines = Files.lines(metrics)) {
            return lines.filter(l -> l.contains(tag)).count();
        }
    }

    /** How many complete checkpoints (weights written; PPO's policy and value pair) a stage has under checkpoints/. */
    static long checkpointCount(Path stage) throws IOException {
        Path checkpoints = stage.resolve("checkpoints");
        if (!Files.isDirectory(checkpoints)) {
            return 0;
        }
        try (var dirs = Files.list(checkpoints)) {
            // A checkpoint is written under a hidden staging name and moved into place when complete: only those count
            // (the PPO fault test once struck while the first one was still being written, and nothing was resumed).
            return dirs.filter(d -> !d.getFileName().toString().startsWith("."))
                    .filter(d -> Files.exists(d.resolve("model.safetensors"))
                            || Files.exists(d.resolve("value/model.safetensors"))).count();
        }
    }
}
