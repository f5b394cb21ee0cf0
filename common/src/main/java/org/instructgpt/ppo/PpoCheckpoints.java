package org.instructgpt.ppo;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.CheckpointDir;
import org.instructgpt.io.Fs;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
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
    private final Path root;
    private final FileSystem fs;
    private final int keep;

    PpoCheckpoints(String output, int keep) {
        this.root = new Path(output, "checkpoints");
        this.fs = Fs.of(root);
        this.keep = Math.max(1, keep);
    }

    Path root() {
        return root;
    }

    void save(PpoState s, Tokenizer tok, Provenance prov) {
        Path dir = new Path(root, String.format("iter-%06d", s.iteration));
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
        prune();
    }

    private static Map<String, INDArray> moments(DataParallelTrainer<Rollout> t) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("adamw.m", t.optimizer().firstMoment());
        m.put("adamw.v", t.optimizer().secondMoment());
        return m;
    }

    private List<Path> dirs() throws IOException {
        List<Path> out = new ArrayList<>();
        if (fs.exists(root)) {
            for (FileStatus st : fs.listStatus(root)) {
                if (st.isDirectory() && st.getPath().getName().matches("iter-\\d{6}")) {
                    out.add(st.getPath());
                }
            }
        }
        out.sort(Comparator.comparing(Path::getName));
        return out;
    }

    private void prune() {
        try {
            List<Path> d = dirs();
            for (int i = 0; i < d.size() - keep; i++) {
                fs.delete(d.get(i), true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prune " + root + ": " + e.getMessage(), e);
        }
    }

    boolean any() {
        try {
            return !dirs().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Restores the newest checkpoint whose policy and value both verify; empty when there is none. */
    Optional<Path> restoreLatest(PpoState s) {
        try {
            List<Path> d = dirs();
            for (int i = d.size() - 1; i >= 0; i--) {
                try {
                    CheckpointDir.verify(fs, new Path(d.get(i), "policy"));
                    CheckpointDir.verify(fs, new Path(d.get(i), "value"));
                } catch (IOException | RuntimeException e) {
                    LOG.warn("skipping PPO checkpoint {}: {}", d.get(i), e.getMessage());
                    continue;
                }
                restore(d.get(i), s);
                return Optional.of(d.get(i));
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resume from " + root + ": " + e.getMessage(), e);
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
