package org.instructgpt.ppo;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.CheckpointDir;
import org.instructgpt.io.Fs;
import org.instructgpt.io.NumberedCheckpoints;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.Provenance;
import org.instructgpt.io.TrainingState;
import org.instructgpt.tokenizer.Tokenizer;
import org.instructgpt.train.DataParallelTrainer;
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
 * PPO's checkpoints: {@code checkpoints/iter-NNNNNN/} holding {@code policy/} (weights; AdamW's moments, the EMA,
 * the iteration and the KL coefficient in its training state) and {@code value/} (weights and moments), each verified
 * by its manifest, the pair written aside and moved into place together. The newest {@code keep} are kept; resume
 * takes the newest whose both halves verify.
 */
final class PpoCheckpoints {
    private static final Logger LOG = LoggerFactory.getLogger(PpoCheckpoints.class);
    private final NumberedCheckpoints numbered;
    private final FileSystem fs;

    PpoCheckpoints(String output, int keep) {
        this.numbered = new NumberedCheckpoints(new Path(output, "checkpoints"), "iter-", 6, keep);
        this.fs = numbered.fs();
    }

    Path root() {
        return numbered.root();
    }

    void save(PpoState s, Tokenizer tok, Provenance prov) {
        Path dir = numbered.dir(s.iteration);
        Fs.writeDirectory(dir, staging -> {
            Map<String, INDArray> pt = moments(s.policy);
            pt.put("ema", s.ema);
            Map<String, String> pc = new LinkedHashMap<>();
            pc.put("iteration", Long.toString(s.iteration));
            pc.put("kl_coef", Double.toString(s.kl.value()));
            pc.put("adamw_steps", Long.toString(s.policy.optimizer().stepCount()));
            ModelCheckpoint.save(fs, new Path(staging, "policy"), s.policy.model(), tok,
                    new TrainingState(s.policy.step(), pt, pc), prov.copy().put("iteration", s.iteration));
            ModelCheckpoint.save(fs, new Path(staging, "value"), s.value.model(), tok,
                    new TrainingState(s.value.step(), moments(s.value), Map.of("adamw_steps",
                            Long.toString(s.value.optimizer().stepCount()))), prov.copy().put("iteration", s.iteration));
        });
        numbered.prune();
    }

    private static Map<String, INDArray> moments(DataParallelTrainer<Rollout> t) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("adamw.m", t.optimizer().firstMoment());
        m.put("adamw.v", t.optimizer().secondMoment());
        return m;
    }

    boolean any() {
        return !numbered.list().isEmpty();
    }

    /** Restores the newest checkpoint whose policy and value both verify; empty when there is none. */
    Optional<Path> restoreLatest(PpoState s) {
        Optional<Path> dir = numbered.newestValid((f, d) -> {
            CheckpointDir.verify(f, new Path(d, "policy"));
            CheckpointDir.verify(f, new Path(d, "value"));
        });
        try {
            if (dir.isPresent()) {
                restore(dir.get(), s);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resume from " + dir.get() + ": " + e.getMessage(), e);
        }
    }

    private void restore(Path dir, PpoState s) throws IOException {
        ModelCheckpoint.Loaded p = ModelCheckpoint.load(fs, new Path(dir, "policy"), DataType.FLOAT);
        ModelCheckpoint.Loaded v = ModelCheckpoint.load(fs, new Path(dir, "value"), DataType.FLOAT);
        TrainingState ps = p.trainingState().orElseThrow();
        TrainingState vs = v.trainingState().orElseThrow();
        s.policy.model().params().flat().assign(p.model().params().flat());
        s.policy.restore(ps.tensors().get("adamw.m"), ps.tensors().get("adamw.v"), ps.step());
        s.value.model().params().flat().assign(v.model().params().flat());
        s.value.restore(vs.tensors().get("adamw.m"), vs.tensors().get("adamw.v"), vs.step());
        s.ema.assign(ps.tensors().get("ema"));
        s.kl.restore(Double.parseDouble(ps.counters().get("kl_coef")));
        s.iteration = Long.parseLong(ps.counters().get("iteration"));
        LOG.info("ppo: resumed from {} after iteration {}", dir, s.iteration);
    }
}
