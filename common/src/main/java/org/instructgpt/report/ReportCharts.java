package org.instructgpt.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.Fs;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The report's PNGs beside {@link LossCurves}: bars of a figure per policy with their 95% intervals as error bars (from
 * eval.json), and the stages' metrics.jsonl to draw curves from. A chart with nothing to draw is not written.
 */
final class ReportCharts {
    private ReportCharts() {
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
