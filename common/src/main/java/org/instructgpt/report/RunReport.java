package org.instructgpt.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.Fs;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code report/} of a pipeline run, from what the stages wrote (eval.json, pipeline.json): {@code report.md} with the
 * paper's findings beside what this run measured, each policy's figures, sample answers side by side, the time each
 * stage took and the configuration; {@code metrics.json} (the same figures, machine-readable); {@code gold.png} (each
 * policy's gold difference from the baseline with its 95% interval) and {@code alignment_tax.png} (held-out
 * pre-training loss per policy with intervals). The stages' own curves stay beside their checkpoints.
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
            Fs.writeJson(new Path(staging, "metrics.json"), metrics);
            gold(eval, new Path(staging, "gold.png"));
            tax(eval, new Path(staging, "alignment_tax.png"));
            writeText(new Path(staging, "report.md"), RunReportText.markdown(eval, stages, root));
        });
        return out;
    }

    private static void gold(JsonNode eval, Path png) {
        bars("Gold score against " + eval.path("baseline").asText() + ", trained families (95% interval)", "difference",
                eval.path("versus_baseline"), v -> v.path("gold_trained_families").path("difference"), png);
    }

    private static void tax(JsonNode eval, Path png) {
        bars("Held-out pre-training loss (the alignment tax; 95% interval)", "nats per token", eval.path("pretrain_loss"),
                v -> v.path("loss"), png);
    }

    /** One bar per policy of {@code byPolicy} with a measured estimate, its 95% interval as the error bar. */
    private static void bars(String title, String yAxis, JsonNode byPolicy, Function<JsonNode, JsonNode> estimate,
                             Path png) {
        List<String> names = new ArrayList<>();
        List<Double> value = new ArrayList<>();
        List<Double> err = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = byPolicy.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode x = estimate.apply(e.getValue());
            if (x.path("value").isNumber()) {
                names.add(e.getKey());
                value.add(x.get("value").asDouble());
                err.add((x.path("high").asDouble() - x.path("low").asDouble()) / 2);
            }
        }
        if (names.isEmpty()) {
            return;
        }
        CategoryChart chart = new CategoryChartBuilder().width(800).height(450).title(title).yAxisTitle(yAxis).build();
        chart.getStyler().setLegendVisible(false);
        chart.addSeries(yAxis, names, value, err);
        LossCurves.save(chart, png);
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
