package org.instructgpt.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.Fs;
import org.instructgpt.io.Provenance;
import org.instructgpt.report.LossCurves;
import org.instructgpt.report.MetricsLog;
import org.instructgpt.report.Progress;
import org.instructgpt.tokenizer.Tokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Runs a trainer to its last step: progress, per-step metrics ({@code metrics.jsonl}), validation loss every
 * {@code validateEvery} steps (the best kept as {@code best/}), a checkpoint every {@code checkpointEvery} steps and
 * at the end ({@code final/}), the loss curves as {@code loss.png}. With {@code resume} it continues from the newest
 * valid checkpoint and ends exactly where an uninterrupted run ends.
 */
public final class TrainingLoop {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);

    /**
     * Where and how often. {@code epochSteps} > 0 keeps the weights at the end of every epoch of that many steps
     * ({@code epochs/epoch-N}, for choosing among epochs later, as SFT selection does).
     */
    public record Settings(String stage, String output, long steps, long logEvery, long validateEvery,
                           long checkpointEvery, int keepCheckpoints, boolean resume, long epochSteps)
            implements Serializable {
        public Settings(String stage, String output, long steps, long logEvery, long validateEvery, long checkpointEvery,
                        int keepCheckpoints, boolean resume) {
            this(stage, output, steps, logEvery, validateEvery, checkpointEvery, keepCheckpoints, resume, 0);
        }

        public Settings withEpochWeights(long stepsPerEpoch) {
            return new Settings(stage, output, steps, logEvery, validateEvery, checkpointEvery, keepCheckpoints, resume,
                    stepsPerEpoch);
        }
    }

    /** How the run went. */
    public record Summary(long steps, double finalLoss, double bestValidationLoss, double medianTokensPerSecond,
                          double medianOverheadShare, String unit) {
    }

    private TrainingLoop() {
    }

    public static <E extends Serializable> Summary run(DataParallelTrainer<E> t, ShardedData<E> validation, Settings s,
                                                       Tokenizer tok, Provenance prov) {
        CheckpointManager cm = new CheckpointManager(s.output(), s.keepCheckpoints());
        MetricsLog metrics = new MetricsLog(new Path(s.output(), "metrics.jsonl"));
        double best = Double.POSITIVE_INFINITY;
        if (s.resume()) {
            Optional<Path> from = cm.latestValid();
            if (from.isPresent()) {
                cm.restore(from.get(), t);
            } else {
                LOG.info("{}: no valid checkpoint under {}, starting at step 0", s.stage(), cm.checkpoints());
            }
            metrics.resumeAt(t.step());
            best = metrics.records().stream().filter(n -> "validation".equals(n.path("kind").asText()))
                    .mapToDouble(n -> n.get("loss").asDouble()).min().orElse(Double.POSITIVE_INFINITY);
        } else {
            refuseExistingRun(cm);
        }
        long steps = s.steps();
        double[] tps = new double[(int) Math.max(0, steps - t.step())];
        double[] overhead = new double[tps.length];
        int[] count = {0};
        double[] lastLoss = {Double.NaN};
        try (Progress progress = new Progress(s.stage(), t.step(), steps, s.logEvery())) {
            while (t.step() < steps) {
                // Steps between validations, checkpoints and epoch ends run together (one Spark job with the
                // socket exchange); what happens at those boundaries needs the driver to itself.
                long to = nextBoundary(t.step(), s, validation != null);
                t.runSteps((int) (to - t.step()), r -> {
                    ObjectNode m = metrics.record("train", r.step());
                    m.put("loss", r.loss());
                    m.put("lr", r.learningRate());
                    m.put("grad_norm", r.gradNorm());
                    m.put(t.unit(), r.weight());
                    m.put("seconds", r.seconds());
                    m.put(t.unit() + "_per_s", r.weight() / r.seconds());
                    m.put("spark_overhead_share", r.overheadShare());
                    for (String name : r.metrics().names()) {
                        m.put(name, r.metrics().mean(name));
                    }
                    int i = count[0]++;
                    tps[i] = r.weight() / r.seconds();
                    overhead[i] = r.overheadShare();
                    lastLoss[0] = r.loss();
                    progress.update(r.step(), String.format("loss %.4f lr %.2e %.0f %s/s", r.loss(), r.learningRate(),
                            r.weight() / r.seconds(), t.unit()));
                });
                long step = t.step();
                boolean end = step == steps;
                double v = Double.NaN;
                if (validation != null && (step % Math.max(1, s.validateEvery()) == 0 || end)) {
                    TrainingObjective.LossSum val = t.evaluate(validation);
                    v = val.mean();
                    ObjectNode vm = metrics.record("validation", step);
                    vm.put("loss", v);
                    for (String name : val.metrics().names()) {
                        vm.put(name, val.metrics().mean(name));
                    }
                    LOG.info("{} step {}: validation loss {}{}", s.stage(), step, String.format("%.4f", v),
                            val.metrics().names().isEmpty() ? "" : ", " + val.metrics());
                    if (v < best) {
                        best = v;
                        cm.saveNamed("best", t, tok, prov);
                    }
                }
                if (s.epochSteps() > 0 && (step % s.epochSteps() == 0 || end)) {
                    long epoch = (step + s.epochSteps() - 1) / s.epochSteps();
                    cm.saveWeights(String.format("epochs/epoch-%03d", epoch), t, tok,
                            prov.copy().put("epoch", epoch).put("validation_loss", Double.isNaN(v) ? null : v));
                }
                if (step % Math.max(1, s.checkpointEvery()) == 0 || end) {
                    cm.save(t, tok, prov);
                    metrics.flush();
                }
            }
        }
        cm.saveNamed("final", t, tok, prov);
        metrics.flush();
        LossCurves.write(metrics.records(), s.stage() + " loss", new Path(s.output(), "loss.png"));
        return new Summary(t.step(), lastLoss[0], best, median(tps, count[0]), median(overhead, count[0]), t.unit());
    }

    /** The first step after {@code step} at which the loop validates, checkpoints or ends an epoch, or the last. */
    static long nextBoundary(long step, Settings s, boolean validates) {
        long to = Math.min(s.steps(), next(step, s.checkpointEvery()));
        if (validates) {
            to = Math.min(to, next(step, s.validateEvery()));
        }
        if (s.epochSteps() > 0) {
            to = Math.min(to, next(step, s.epochSteps()));
        }
        return to;
    }

    private static long next(long step, long every) {
        long e = Math.max(1, every);
        return (step / e + 1) * e;
    }

    private static void refuseExistingRun(CheckpointManager cm) {
        FileSystem fs = Fs.of(cm.checkpoints());
        try {
            if (fs.exists(cm.checkpoints())) {
                throw new IllegalStateException(cm.checkpoints() + " holds checkpoints of an earlier run: resume it"
                        + " (--resume) or choose another output");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double median(double[] v, int n) {
        if (n == 0) {
            return Double.NaN;
        }
        double[] c = Arrays.copyOf(v, n);
        Arrays.sort(c);
        return n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    }
}
