package org.instructgpt.ppo;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.Fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** {@code samples.md}: a Markdown table of a few episodes (prompt, response, score, KL) every few iterations. */
final class SampleTable {
    private final Path file;
    private final StringBuilder text = new StringBuilder("# PPO samples\n");
    private final int count;

    SampleTable(Path file, int count) {
        this.file = file;
        this.count = count;
    }

    void append(long iteration, List<Rollout> episodes) {
        text.append("\n## Iteration ").append(iteration).append("\n\n| prompt | response | score | KL |\n| --- | --- | ---: | ---: |\n");
        for (Rollout r : episodes.subList(0, Math.min(count, episodes.size()))) {
            text.append("| ").append(cell(r.promptText())).append(" | ").append(cell(r.responseText()))
                    .append(r.eos() ? "" : " (no EOS)").append(" | ").append(String.format("%.3f", r.score()))
                    .append(" | ").append(String.format("%.3f", r.kl())).append(" |\n");
        }
        FileSystem fs = Fs.of(file);
        try (FSDataOutputStream os = fs.create(file, true)) {
            os.write(text.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String cell(String s) {
        return s.strip().replace("\n", "\\n").replace("|", "\\|");
    }
}
