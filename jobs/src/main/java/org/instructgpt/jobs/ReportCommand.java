package org.instructgpt.jobs;

import org.instructgpt.io.CompletionMarker;
import org.instructgpt.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code instructgpt report}: report.md, metrics.json and plots of a run directory from its eval and stage times. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write <run-dir>/report (report.md: the paper's findings beside this run's, figures per policy, "
                + "samples, stage times, configuration; metrics.json; gold.png, alignment_tax.png) from eval.json and "
                + "pipeline.json. Settings: instructgpt.run-dir, instructgpt.eval.output")
final class ReportCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        org.apache.hadoop.fs.Path report = RunReport.write(config.load());
        CompletionMarker.mark(report.toString());
        System.err.println("report: " + report + "/report.md");
        return 0;
    }
}
