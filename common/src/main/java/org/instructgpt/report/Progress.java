package org.instructgpt.report;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of a long loop: a progress bar (steps, ETA, the latest loss) in a terminal, and plain log lines every
 * {@code logEvery} steps elsewhere (Airflow logs, cluster drivers).
 */
public final class Progress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
    private final String name;
    private final long total;
    private final long logEvery;
    private final long start;
    private final long startStep;
    private final ProgressBar bar;

    public Progress(String name, long startStep, long total, long logEvery) {
        this.name = name;
        this.total = total;
        this.logEvery = Math.max(1, logEvery);
        this.start = System.nanoTime();
        this.startStep = startStep;
        this.bar = System.console() != null
                ? new ProgressBarBuilder().setTaskName(name).setInitialMax(total).startsFrom(startStep, java.time.Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII).build()
                : null;
    }

    /** Reports that {@code step} steps are done; {@code extra} is shown beside the bar or in the log line. */
    public void update(long step, String extra) {
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(extra);
        } else if (step % logEvery == 0 || step == total) {
            double elapsed = (System.nanoTime() - start) / 1e9;
            double per = elapsed / Math.max(1, step - startStep);
            LOG.info("{} step {}/{} {} elapsed {} eta {}", name, step, total, extra, duration(elapsed), duration(per * (total - step)));
        }
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
