package org.instructgpt.io;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The numbered checkpoint directories of a stage under one root ({@code step-00000200}, {@code iter-000005}): their
 * names, the newest {@code keep} kept, and the newest one that verifies (a truncated or half-written newest one is
 * skipped with a warning, and the one before it is used). Shared by the trainers' and PPO's checkpoints.
 */
public final class NumberedCheckpoints {
    private static final Logger LOG = LoggerFactory.getLogger(NumberedCheckpoints.class);
    private final Path root;
    private final FileSystem fs;
    private final String prefix;
    private final int digits;
    private final int keep;

    /** Checks one checkpoint directory; throws when it is incomplete or corrupt. */
    @FunctionalInterface
    public interface Verifier {
        void verify(FileSystem fs, Path dir) throws IOException;
    }

    public NumberedCheckpoints(Path root, String prefix, int digits, int keep) {
        this.root = root;
        this.fs = Fs.of(root);
        this.prefix = prefix;
        this.digits = digits;
        this.keep = Math.max(1, keep);
    }

    public Path root() {
        return root;
    }

    public FileSystem fs() {
        return fs;
    }

    public Path dir(long n) {
        return new Path(root, String.format("%s%0" + digits + "d", prefix, n));
    }

    /** Oldest first. */
    public List<Path> list() {
        List<Path> out = new ArrayList<>();
        try {
            if (fs.exists(root)) {
                for (FileStatus st : fs.listStatus(root)) {
                    if (st.isDirectory() && st.getPath().getName().matches(prefix + "\\d{" + digits + "}")) {
                        out.add(st.getPath());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the checkpoints in " + root + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(Path::getName));
        return out;
    }

    /** Deletes all but the newest {@code keep}. */
    public void prune() {
        List<Path> dirs = list();
        try {
            for (int i = 0; i < dirs.size() - keep; i++) {
                fs.delete(dirs.get(i), true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prune the checkpoints in " + root + ": " + e.getMessage(), e);
        }
    }

    /** The newest checkpoint that passes {@code check}; empty when none does. */
    public Optional<Path> newestValid(Verifier check) {
        List<Path> dirs = list();
        for (int i = dirs.size() - 1; i >= 0; i--) {
            try {
                check.verify(fs, dirs.get(i));
                return Optional.of(dirs.get(i));
            } catch (IOException | RuntimeException e) {
                LOG.warn("skipping checkpoint {}: {}", dirs.get(i), e.getMessage());
            }
        }
        return Optional.empty();
    }
}
