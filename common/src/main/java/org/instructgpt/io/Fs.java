package org.instructgpt.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * All file I/O goes through Hadoop's {@link FileSystem}: a path is {@code file://}, {@code hdfs://}, {@code s3a://},
 * or a plain local path.
 */
public final class Fs {
    private Fs() {
    }

    public static FileSystem of(Path path, Configuration conf) {
        try {
            FileSystem fs = path.getFileSystem(conf);
            if (fs instanceof ChecksumFileSystem local) {
                // Our checkpoints carry their own SHA-256 manifest; Hadoop's .crc side files only clutter directories.
                local.setWriteChecksum(false);
            }
            return fs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of " + path + ": " + e.getMessage(), e);
        }
    }

    public static FileSystem of(Path path) {
        return of(path, new Configuration());
    }

    public static Path path(String s) {
        return new Path(s);
    }

    /**
     * A hidden sibling of {@code target} to write a new version into before {@link #replaceDirectory} puts it in place,
     * so the previous version stays whole until the new one is complete.
     */
    public static Path stagingSibling(Path target) {
        return new Path(target.getParent(), "." + target.getName() + ".tmp-" + java.util.UUID.randomUUID());
    }

    /** Writes a directory's contents into the (staging) path it is given. */
    @FunctionalInterface
    public interface DirectoryWriter {
        void writeTo(Path staging) throws IOException;
    }

    /**
     * Writes a directory beside {@code target} and puts it in place once complete: a previous {@code target} survives
     * a failed write, and the partial one is removed.
     */
    public static void writeDirectory(Path target, DirectoryWriter writer) {
        Path staging = stagingSibling(target);
        FileSystem fs = of(target);
        try {
            try {
                writer.writeTo(staging);
                replaceDirectory(fs, staging, target);
            } finally {
                if (fs.exists(staging)) {
                    fs.delete(staging, true);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Puts the complete directory {@code staged} at {@code target}; a previous {@code target} is removed only after. */
    public static void replaceDirectory(FileSystem fs, Path staged, Path target) throws IOException {
        Path old = null;
        if (fs.exists(target)) {
            old = new Path(target.getParent(), "." + target.getName() + ".old-" + java.util.UUID.randomUUID());
            if (!fs.rename(target, old)) {
                throw new IOException("cannot move the previous " + target + " aside");
            }
        }
        if (!fs.rename(staged, target)) {
            if (old != null) {
                fs.rename(old, target);
            }
            throw new IOException("cannot rename " + staged + " to " + target);
        }
        if (old != null) {
            fs.delete(old, true);
        }
    }

    /** Whether one of the two paths is the other or lies inside it (after qualifying both). */
    public static boolean overlaps(Path a, Path b) {
        String x = of(a).makeQualified(a).toUri().normalize().toString().replaceAll("/+$", "");
        String y = of(b).makeQualified(b).toUri().normalize().toString().replaceAll("/+$", "");
        return x.equals(y) || x.startsWith(y + "/") || y.startsWith(x + "/");
    }

    /** A whole (small) file: configs, tokenizer files, manifests. */
    public static byte[] readAll(FileSystem fs, Path p) throws IOException {
        long len = fs.getFileStatus(p).getLen();
        if (len > Integer.MAX_VALUE - 16) {
            throw new IOException(p + " (" + len + " bytes) is too large to read into memory");
        }
        byte[] b = new byte[(int) len];
        try (FSDataInputStream in = fs.open(p)) {
            in.readFully(0, b);
        }
        return b;
    }

    /**
     * A small JSON report (indented, via Jackson) written beside its final name and renamed into place, so a reader
     * never sees half of one and an earlier report survives a failed write.
     */
    public static void writeJson(Path target, Object value) {
        FileSystem fs = of(target);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try {
            try (org.apache.hadoop.fs.FSDataOutputStream os = fs.create(tmp, true)) {
                os.write(new com.fasterxml.jackson.databind.ObjectMapper()
                        .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(value));
            }
            if (fs.exists(target) && !fs.delete(target, false)) {
                throw new IOException("cannot replace " + target);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("cannot rename " + tmp + " to " + target);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }
}
