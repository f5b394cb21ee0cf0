package org.instructgpt.io;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The {@code _SUCCESS} file in a stage's output: present once the command that wrote the output returned, absent while
 * it is being written. It is Hadoop's and Spark's convention, so an Airflow sensor or a shell script can wait on it, and
 * the pipeline skips a stage whose output holds it.
 */
public final class CompletionMarker {
    public static final String NAME = "_SUCCESS";

    private CompletionMarker() {
    }

    /** Whether {@code output} holds the marker. */
    public static boolean isComplete(String output) {
        Path marker = new Path(output, NAME);
        try {
            return Fs.of(marker).exists(marker);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + marker + ": " + e.getMessage(), e);
        }
    }

    /** Writes the marker into {@code output} (made if missing). */
    public static void mark(String output) {
        Path marker = new Path(output, NAME);
        try {
            FileSystem fs = Fs.of(marker);
            fs.mkdirs(new Path(output));
            fs.create(marker, true).close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + marker + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes the marker of an output about to be written in place (a resumed training run adds checkpoints to it),
     * so that nothing waiting on it takes the output as finished until the run is.
     */
    public static void clear(String output) {
        Path marker = new Path(output, NAME);
        try {
            FileSystem fs = Fs.of(marker);
            if (fs.exists(marker) && !fs.delete(marker, false)) {
                throw new IOException("delete returned false");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + marker + ": " + e.getMessage(), e);
        }
    }
}
