package org.instructgpt.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.Fs;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;

/** Draws metrics.jsonl records as curves against their step (training and validation loss, PPO's reward and KL). */
public final class LossCurves {
    private LossCurves() {
    }

    /** One curve: records of one kind, one field against the step, under a label. */
    public record Curve(String label, List<ObjectNode> records, String kind, String field) {
        static Curve of(List<ObjectNode> records, String kind, String field) {
            return new Curve(kind + " " + field, records, kind, field);
        }
    }

    public static void write(List<ObjectNode> records, String title, Path png) {
        curves(title, "step", "loss", List.of(Curve.of(records, "train", "loss"),
                Curve.of(records, "validation", "loss")), png);
    }

    /** Named fields of the records of one kind against their step, one chart (PPO's reward, KL and losses). */
    public static void write(List<ObjectNode> records, String kind, List<String> fields, String title, String yAxis,
                             Path png) {
        curves(title, "iteration", yAxis, fields.stream().map(f -> Curve.of(records, kind, f)).toList(), png);
    }

    /** Curves on one chart, written unless none has a point; returns whether it was written. */
    public static boolean curves(String title, String xAxis, String yAxis, List<Curve> curves, Path png) {
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
        save(chart, png);
        return true;
    }

    /** Any chart as a PNG on any Hadoop path (XChart writes local files only, so through a local temporary file). */
    public static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path png) {
        try {
            File tmp = Files.createTempFile("chart", ".png").toFile();
            BitmapEncoder.saveBitmap(chart, tmp.getAbsolutePath(), BitmapEncoder.BitmapFormat.PNG);
            FileSystem fs = Fs.of(png);
            fs.copyFromLocalFile(true, true, new Path(tmp.toURI()), png);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png + ": " + e.getMessage(), e);
        }
    }
}
