package org.instructgpt.train;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.CheckpointDir;
import org.instructgpt.io.Fs;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.NumberedCheckpoints;
import org.instructgpt.io.Provenance;
import org.instructgpt.io.TrainingState;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.tokenizer.Tokenizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The checkpoints of a training run under {@code <output>/checkpoints/step-NNNNNNNN}, each a Hugging Face directory
 * with the optimizer state, written atomically and verified on load; the newest K are kept. Named checkpoints
 * ({@code <output>/final}, {@code <output>/best}) sit beside them.
 */
public final class CheckpointManager {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointManager.class);
    private final Path root;
    private final FileSystem fs;
    private final NumberedCheckpoints numbered;

    public CheckpointManager(String output, int keep) {
        this.root = new Path(output);
        this.fs = Fs.of(root);
        this.numbered = new NumberedCheckpoints(new Path(root, "checkpoints"), "step-", 8, keep);
    }

    public Path checkpoints() {
        return numbered.root();
    }

    public Path named(String name) {
        return new Path(root, name);
    }

    /** Saves the step's checkpoint and drops the oldest beyond K. */
    public Path save(DataParallelTrainer<?> t, Tokenizer tok, Provenance prov) {
        Path dir = numbered.dir(t.step());
        write(dir, t, tok, prov);
        numbered.prune();
        return dir;
    }

    public void saveNamed(String name, DataParallelTrainer<?> t, Tokenizer tok, Provenance prov) {
        write(named(name), t, tok, prov);
    }

    /** The model alone, without the optimizer's state (a candidate to choose, not a point to resume from). */
    public void saveWeights(String name, DataParallelTrainer<?> t, Tokenizer tok, Provenance prov) {
        Path dir = named(name);
        try {
            ModelCheckpoint.save(fs, dir, t.model(), tok, null, prov.put("step", t.step()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
        }
    }

    private void write(Path dir, DataParallelTrainer<?> t, Tokenizer tok, Provenance prov) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("adamw.m", t.optimizer().firstMoment());
        tensors.put("adamw.v", t.optimizer().secondMoment());
        Map<String, String> counters = new LinkedHashMap<>();
        counters.put("adamw_steps", Long.toString(t.optimizer().stepCount()));
        try {
            // CheckpointDir replaces an existing directory only once the new one is complete (best/ and final/ are
            // rewritten in place of the old ones, never deleted first).
            ModelCheckpoint.save(fs, dir, t.model(), tok, new TrainingState(t.step(), tensors, counters),
                    prov.put("step", t.step()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The newest step checkpoint whose manifest verifies (a corrupt newer one is skipped with a warning). */
    public Optional<Path> latestValid() {
        return numbered.newestValid(CheckpointDir::verify);
    }

    /** Loads the parameters, optimizer moments and step of {@code dir} into the trainer. */
    public void restore(Path dir, DataParallelTrainer<?> t) {
        try {
            ModelCheckpoint.Loaded l = ModelCheckpoint.load(fs, dir, DataType.FLOAT);
            Gpt2Model m = l.model();
            if (m.params().size() != t.model().params().size()) {
                throw new IllegalStateException(dir + " holds a different model (" + m.config() + ") than this run ("
                        + t.model().config() + ")");
            }
            TrainingState s = l.trainingState().orElseThrow(() ->
                    new IllegalStateException(dir + " has no " + TrainingState.FILE + " to resume from"));
            t.model().params().flat().assign(m.params().flat());
            t.restore(s.tensors().get("adamw.m"), s.tensors().get("adamw.v"), s.step());
            LOG.info("resumed from {} at step {}", dir, s.step());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resume from " + dir + ": " + e.getMessage(), e);
        }
    }
}
