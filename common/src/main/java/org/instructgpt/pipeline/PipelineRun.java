package org.instructgpt.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.CompletionMarker;
import org.instructgpt.io.Fs;
import org.instructgpt.report.MemoryUse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The stages of one pipeline run, in order. A stage whose output holds its {@link CompletionMarker} is complete and is
 * skipped; otherwise it runs (stages that train resume from their newest valid checkpoint, so a killed run
 * continues) and the marker is written into its output when it returns. What each stage took is kept for the
 * report and written to {@code <run-dir>/pipeline.json} after every stage.
 */
public final class PipelineRun {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineRun.class);
    private final Path runDir;
    private final List<StageTime> stages = new ArrayList<>();

    /**
     * One stage: its name, output, whether it was skipped as complete, its wall seconds and its memory (this JVM's
     * peaks during the stage and what it held after; {@link MemoryUse#megabytes}), both as of when it ran.
     */
    public record StageTime(@JsonProperty("stage") String stage, @JsonProperty("output") String output,
                            @JsonProperty("skipped") boolean skipped, @JsonProperty("seconds") double seconds,
                            @JsonProperty("memory") java.util.Map<String, Double> memory) {
    }

    /** A stage's work. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    private final java.util.Map<String, StageTime> before = new java.util.HashMap<>();

    private final Runnable afterStage;

    /** Reads what an earlier run of this run directory recorded, so skipped stages keep their times. */
    public PipelineRun(String runDir) {
        this(runDir, () -> {
        });
    }

    /** As above; {@code afterStage} runs after each stage that ran (the pipeline frees the executors' pooled models). */
    public PipelineRun(String runDir, Runnable afterStage) {
        this.afterStage = afterStage;
        this.runDir = new Path(runDir);
        Path json = new Path(this.runDir, "pipeline.json");
        try {
            FileSystem fs = Fs.of(json);
            if (fs.exists(json)) {
                try (java.io.InputStream in = fs.open(json)) {
                    for (StageTime t : new com.fasterxml.jackson.databind.ObjectMapper().readValue(in,
                            StageTime[].class)) {
                        before.put(t.stage(), t);
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot read {} ({}); earlier stage times are not reported", json, e.getMessage());
        }
    }

    public List<StageTime> stages() {
        return List.copyOf(stages);
    }

    /** Runs {@code body} unless {@code output} is complete; marks it complete after. */
    public void stage(String name, String output, Body body) throws Exception {
        if (CompletionMarker.isComplete(output)) {
            LOG.info("pipeline: {} is complete ({}), skipped", name, new Path(output, CompletionMarker.NAME));
            System.err.printf("pipeline: %s skipped: %s is complete%n", name, output);
            StageTime earlier = before.get(name);
            stages.add(new StageTime(name, output, true, earlier == null ? Double.NaN : earlier.seconds(),
                    earlier == null ? null : earlier.memory()));
        } else {
            MemoryUse.resetPeaks();
            long start = System.nanoTime();
            body.run();
            CompletionMarker.mark(output);
            double seconds = (System.nanoTime() - start) / 1e9;
            MemoryUse mem = MemoryUse.now();
            LOG.info("pipeline: {} done in {}; resident peak {} MB, heap peak {} MB, heap after GC {} MB, off-heap {} MB",
                    name, String.format("%.1f s", seconds), mem.megabytes().get("resident_peak_mb"),
                    mem.megabytes().get("heap_peak_mb"), mem.megabytes().get("heap_after_gc_mb"),
                    mem.megabytes().get("off_heap_mb"));
            stages.add(new StageTime(name, output, false, seconds, mem.megabytes()));
            afterStage.run();
        }
        Fs.writeJson(new Path(runDir, "pipeline.json"), stages);
    }
}
