package org.instructgpt.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.Fs;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The report's PNGs: bars of a figure per policy with their 95% intervals as error bars (from eval.json), and curves
 * of several stages' metrics.jsonl on one chart (losses per stage, reward and KL per PPO iteration). A chart with
 * nothing to draw is not written.
 */
final class ReportCharts {
    private ReportCharts() {
    }

    /** One curve: a stage's records of one kind, one field against the step, under a label. */
    record Curve(String label, List<ObjectNode> records, String kind, String field) {
    }

    /** The records of a stage's metrics.jsonl, empty when the stage wrote none. */
    static List<ObjectNode> metrics(String stageOutput) {
        Path p = new Path(stageOutput, "metrics.jsonl");
        try {
            return Fs.of(p).exists(p) ? new MetricsLog(p).resumeAt(Long.MAX_VALUE).records() : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("report: cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** Curves on one chart; returns whether it had any points (and was written). */
    static boolean curves(String title, String xAxis, String yAxis, List<Curve> curves, Path png) {
        XYChart chart = new XYChartBuilder().width(900).height(500).title(title).xAxisTitle(xAxis).yAxisTitle(yAxis)
                .build();
        for (Curve c : curves) {
            List<ObjectNode> points = c.records().stream()
                    .filter(n -> c.kind().equals(n.path("kind").asText()) && n.path(c.field()).isNumber()).toList();
            if (!points.isEmpty()) {
                chart.addSeries(c.label(), points.stream().mapToDouble(n -> n.get("step").asDouble()).toArray(),
                        points.stream().mapToDouble(n -> n.get(c.field()).asDouble()).toArray());
            }
        }
        if (chart.getSeriesMap().isEmpty()) {
            return false;
        }
        LossCurves.save(chart, png);
        return true;
    }

    /** One bar per policy of {@code byPolicy} with a measured estimate, its 95% interval as the error bar. */
    static boolean bars(String title, String yAxis, JsonNode byPolicy, Function<JsonNode, JsonNode> estimate, Path png) {
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
            return false;
        }
        CategoryChart chart = new CategoryChartBuilder().width(800).height(450).title(title).yAxisTitle(yAxis).build();
        chart.getStyler().setLegendVisible(false);
        chart.addSeries(yAxis, names, value, err);
        LossCurves.save(chart, png);
        return true;
    }
}
