package org.instructgpt.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.Fs;
import org.instructgpt.io.Provenance;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code report/} of a pipeline run, from what the stages wrote (eval.json, pipeline.json, metrics.jsonl): {@code
 * report.md} with the paper's findings beside what this run measured, each policy's figures, sample answers side by
 * side, the time each stage took and the configuration; {@code metrics.json} (the same figures, machine-readable);
 * PNGs: win rates and gold differences against the baseline and the alignment tax (held-out loss, cloze accuracy),
 * each with its 95% intervals as error bars ({@link ReportCharts}), each training stage's loss curves, and reward and
 * KL per PPO iteration.
 */
public final class RunReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunReport() {
    }

    public static Path write(Config root) {
        String runDir = root.getString("instructgpt.run-dir");
        JsonNode eval = read(new Path(root.getString("instructgpt.eval.output"), "eval.json"));
        JsonNode stages = read(new Path(runDir, "pipeline.json"));
        Path out = new Path(runDir, "report");
        Fs.writeDirectory(out, staging -> {
            ObjectNode metrics = JSON.createObjectNode();
            metrics.set("eval", eval);
            metrics.set("stages", stages);
            metrics.put("seed", root.getLong("instructgpt.seed"));
            metrics.set("provenance", provenance(eval));
            Fs.writeJson(new Path(staging, "metrics.json"), metrics);
            Map<String, String> charts = new LinkedHashMap<>();
            evalCharts(eval, staging, charts);
            stageCharts(root, staging, charts);
            writeText(new Path(staging, "report.md"), RunReportText.markdown(eval, stages, root, charts,
                    metrics.get("provenance")));
        });
        return out;
    }

    /** The figures of eval.json as bars with error bars; adds each chart written to charts (file -> caption). */
    private static void evalCharts(JsonNode eval, Path dir, Map<String, String> charts) {
        String b = eval.path("baseline").asText();
        chart(charts, "win_rate.png", "Gold win rate against " + b + " on all held-out prompts",
                ReportCharts.bars("Gold win rate against " + b + " (95% interval)", "win rate",
                        eval.path("versus_baseline"), v -> v.path("gold").path("win_rate"), new Path(dir, "win_rate.png")));
        chart(charts, "gold.png", "Gold score difference from " + b + " on the trained task families",
                ReportCharts.bars("Gold score against " + b + ", trained families (95% interval)", "difference",
                        eval.path("versus_baseline"), v -> v.path("gold_trained_families").path("difference"),
                        new Path(dir, "gold.png")));
        chart(charts, "alignment_tax.png", "Held-out pre-training loss per policy (the alignment tax)",
                ReportCharts.bars("Held-out pre-training loss (the alignment tax; 95% interval)", "nats per token",
                        eval.path("pretrain_loss"), v -> v.path("loss"), new Path(dir, "alignment_tax.png")));
        chart(charts, "cloze.png", "Cloze accuracy on held-out pre-training text per policy",
                ReportCharts.bars("Cloze accuracy, held-out pre-training text (95% interval)", "accuracy",
                        eval.path("cloze"), v -> v.path("accuracy"), new Path(dir, "cloze.png")));
    }

    /** Each training stage's loss curves, and reward and KL per PPO iteration, from the stages' metrics.jsonl. */
    private static void stageCharts(Config root, Path dir, Map<String, String> charts) {
        Map<String, String> small = new LinkedHashMap<>();
        if (root.hasPath("instructgpt.pipeline.small")) {
            Config sm = root.getConfig("instructgpt.pipeline.small");
            small.put("pretrain", sm.getString("pretrain.output"));
            small.put("sft", sm.getString("sft.output"));
            small.put("ppo", sm.getString("ppo.output"));
        }
        for (String stage : List.of("pretrain", "sft", "rm")) {
            List<LossCurves.Curve> curves = new ArrayList<>();
            List<ObjectNode> main = ReportCharts.metrics(root.getString("instructgpt." + stage + ".output"));
            curves.add(new LossCurves.Curve("train", main, "train", "loss"));
            curves.add(new LossCurves.Curve("validation", main, "validation", "loss"));
            if (small.containsKey(stage)) {
                List<ObjectNode> sm = ReportCharts.metrics(small.get(stage));
                curves.add(new LossCurves.Curve("small model, train", sm, "train", "loss"));
                curves.add(new LossCurves.Curve("small model, validation", sm, "validation", "loss"));
            }
            String png = "loss_" + stage + ".png";
            chart(charts, png, stage + " loss by step",
                    LossCurves.curves(stage + " loss", "step", "loss", curves, new Path(dir, png)));
        }
        Map<String, List<ObjectNode>> ppo = new LinkedHashMap<>();
        ppo.put("ppo-ptx", ReportCharts.metrics(root.getString("instructgpt.ppo.output")));
        if (root.hasPath("instructgpt.pipeline.ppo-no-ptx.output")) {
            ppo.put("ppo", ReportCharts.metrics(root.getString("instructgpt.pipeline.ppo-no-ptx.output")));
        }
        if (small.containsKey("ppo")) {
            ppo.put("ppo-ptx, small model", ReportCharts.metrics(small.get("ppo")));
        }
        List<LossCurves.Curve> reward = new ArrayList<>();
        List<LossCurves.Curve> kl = new ArrayList<>();
        ppo.forEach((name, records) -> {
            reward.add(new LossCurves.Curve(name + ", reward model", records, "ppo", "objective/scores"));
            reward.add(new LossCurves.Curve(name + ", gold", records, "ppo", "objective/gold"));
            kl.add(new LossCurves.Curve(name, records, "ppo", "objective/kl"));
        });
        chart(charts, "ppo_reward.png", "Reward per PPO iteration (the reward model's score and the gold judge's)",
                LossCurves.curves("Reward per PPO iteration", "iteration", "mean score per episode", reward,
                        new Path(dir, "ppo_reward.png")));
        chart(charts, "ppo_kl.png", "KL(policy || SFT) per PPO iteration",
                LossCurves.curves("KL(policy || SFT) per episode", "iteration", "nats", kl, new Path(dir, "ppo_kl.png")));
    }

    /**
     * The report's own build and each evaluated checkpoint's provenance.json (how it was made: stage, code, inputs),
     * null for a checkpoint without one (a Hugging Face directory).
     */
    private static ObjectNode provenance(JsonNode eval) {
        ObjectNode out = JSON.createObjectNode();
        out.set("report", Provenance.of("report").json());
        ObjectNode checkpoints = out.putObject("checkpoints");
        for (Iterator<Map.Entry<String, JsonNode>> it = eval.path("policies").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            Path dir = new Path(p.getValue().asText());
            try {
                FileSystem fs = Fs.of(dir);
                checkpoints.set(p.getKey(), fs.exists(new Path(dir, Provenance.FILE))
                        ? Provenance.read(fs, dir).json() : null);
            } catch (IOException | IllegalArgumentException e) {
                checkpoints.putNull(p.getKey());
            }
        }
        return out;
    }

    private static void chart(Map<String, String> charts, String file, String caption, boolean written) {
        if (written) {
            charts.put(file, caption);
        }
    }

    static JsonNode read(Path p) {
        try (InputStream in = Fs.of(p).open(p)) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("report: cannot read " + p + " (did its stage run?): " + e.getMessage(), e);
        }
    }

    private static void writeText(Path p, String text) throws IOException {
        FileSystem fs = Fs.of(p);
        try (var os = fs.create(p, true)) {
            os.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
