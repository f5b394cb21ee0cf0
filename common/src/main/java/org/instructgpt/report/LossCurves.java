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

/** Draws the training and validation loss of a run's metrics as a PNG. */
public final class LossCurves {
    private LossCurves() {
    }

    public static void write(List<ObjectNode> records, String title, Path png) {
        XYChart chart = new XYChartBuilder().width(900).height(500).title(title).xAxisTitle("step").yAxisTitle("loss").build();
        addSeries(chart, records, "train", "loss");
        addSeries(chart, records, "validation", "loss");
        save(chart, png);
    }

    /** Named fields of the records of one kind against their step, one chart (PPO's reward, KL and losses). */
    public static void write(List<ObjectNode> records, String kind, List<String> fields, String title, String yAxis,
                             Path png) {
        XYChart chart = new XYChartBuilder().width(900).height(500).title(title).xAxisTitle("iteration").yAxisTitle(yAxis)
                .build();
        for (String f : fields) {
            addSeries(chart, records, kind, f);
        }
        save(chart, png);
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

    private static void addSeries(XYChart chart, List<ObjectNode> records, String kind, String field) {
        double[] x = records.stream().filter(n -> kind.equals(n.path("kind").asText()) && n.has(field))
                .mapToDouble(n -> n.get("step").asDouble()).toArray();
        double[] y = records.stream().filter(n -> kind.equals(n.path("kind").asText()) && n.has(field))
                .mapToDouble(n -> n.get(field).asDouble()).toArray();
        if (x.length > 0) {
            chart.addSeries(kind + " " + field, x, y);
        }
    }
}
