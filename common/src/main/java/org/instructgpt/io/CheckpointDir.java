package org.instructgpt.io;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A directory written atomically: files go into a hidden temporary sibling, a {@code MANIFEST.sha256} of their
 * SHA-256 sums (the format {@code sha256sum -c} reads) is added, the directory is renamed into place, and a
 * {@code _SUCCESS} marker is written last. {@link #verify} refuses a directory that is incomplete, truncated or altered.
 */
public final class CheckpointDir {
    public static final String MANIFEST = "MANIFEST.sha256";
    public static final String SUCCESS = "_SUCCESS";

    /** Writes the contents of a directory into the (temporary) directory it is given. */
    @FunctionalInterface
    public interface Contents {
        void writeTo(FileSystem fs, Path dir) throws IOException;
    }

    private CheckpointDir() {
    }

    public static void write(FileSystem fs, Path dir, Contents contents) throws IOException {
        Path parent = dir.getParent();
        Path tmp = new Path(parent, "." + dir.getName() + ".tmp-" + UUID.randomUUID());
        fs.mkdirs(tmp);
        try {
            contents.writeTo(fs, tmp);
            writeManifest(fs, tmp);
            Path old = null;
            if (fs.exists(dir)) {
                old = new Path(parent, "." + dir.getName() + ".old-" + UUID.randomUUID());
                if (!fs.rename(dir, old)) {
                    throw new IOException("cannot move the existing " + dir + " aside");
                }
            }
            if (!fs.rename(tmp, dir)) {
                throw new IOException("cannot rename " + tmp + " to " + dir);
            }
            try (FSDataOutputStream out = fs.create(new Path(dir, SUCCESS), true)) {
                out.write(new byte[0]);
            }
            if (old != null) {
                fs.delete(old, true);
            }
        } finally {
            if (fs.exists(tmp)) {
                fs.delete(tmp, true);
            }
        }
    }

    private static void writeManifest(FileSystem fs, Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (FileStatus st : fs.listStatus(dir)) {
            if (st.isFile()) {
                sb.append(sha256(fs, st.getPath())).append("  ").append(st.getPath().getName()).append('\n');
            }
        }
        try (FSDataOutputStream out = fs.create(new Path(dir, MANIFEST), true)) {
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Whether the directory carries our manifest (a plain Hugging Face directory does not). */
    public static boolean isManaged(FileSystem fs, Path dir) throws IOException {
        return fs.exists(new Path(dir, MANIFEST)) || fs.exists(new Path(dir, SUCCESS));
    }

    /**
     * Checks the marker and every sum of the manifest.
     *
     * @throws CorruptCheckpointException naming the directory and the first file that does not match
     */
    public static void verify(FileSystem fs, Path dir) throws IOException {
        if (!fs.exists(new Path(dir, SUCCESS))) {
            throw new CorruptCheckpointException(dir + " is incomplete: it has no " + SUCCESS + " marker (the write did not finish)");
        }
        Path manifest = new Path(dir, MANIFEST);
        if (!fs.exists(manifest)) {
            throw new CorruptCheckpointException(dir + " has no " + MANIFEST);
        }
        for (Map.Entry<String, String> e : readManifest(fs, manifest).entrySet()) {
            Path f = new Path(dir, e.getKey());
            if (!fs.exists(f)) {
                throw new CorruptCheckpointException(dir + " is missing " + e.getKey() + ", listed in its manifest");
            }
            String actual = sha256(fs, f);
            if (!actual.equals(e.getValue())) {
                throw new CorruptCheckpointException(dir + ": " + e.getKey() + " has SHA-256 " + actual + " but the manifest says "
                        + e.getValue() + " (truncated or altered)");
            }
        }
    }

    private static Map<String, String> readManifest(FileSystem fs, Path manifest) throws IOException {
        Map<String, String> sums = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(manifest), StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                int sep = line.indexOf("  ");
                if (sep != 64) {
                    throw new CorruptCheckpointException(manifest + " line " + n + " is not '<sha256>  <file>'");
                }
                sums.put(line.substring(sep + 2), line.substring(0, sep));
            }
        }
        return sums;
    }

    public static String sha256(FileSystem fs, Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        try (FSDataInputStream in = fs.open(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
