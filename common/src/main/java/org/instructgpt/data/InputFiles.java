package org.instructgpt.data;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.Fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The data files named by input paths (files, directories or globs on any Hadoop file system): JSON lines
 * ({@code .jsonl}, {@code .json}, optionally {@code .gz}) and Parquet ({@code .parquet}), in a stable sorted order.
 * Names starting with '_' or '.' (markers, rejects, checksums) are skipped inside directories.
 */
public final class InputFiles {
    private InputFiles() {
    }

    public static boolean isParquet(String file) {
        return file.toLowerCase(Locale.ROOT).endsWith(".parquet");
    }

    static boolean isData(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".jsonl") || n.endsWith(".json") || n.endsWith(".jsonl.gz") || n.endsWith(".json.gz")
                || n.endsWith(".parquet");
    }

    public static List<String> list(List<String> inputs) {
        List<String> out = new ArrayList<>();
        for (String in : inputs) {
            Path p = new Path(in);
            FileSystem fs = Fs.of(p);
            try {
                FileStatus[] matches = fs.globStatus(p);
                if (matches == null || matches.length == 0) {
                    throw new IllegalArgumentException("input " + in + " does not exist");
                }
                List<String> found = new ArrayList<>();
                for (FileStatus st : matches) {
                    collect(fs, st, found, true);
                }
                if (found.isEmpty()) {
                    throw new IllegalArgumentException("input " + in + " holds no .jsonl, .json or .parquet files");
                }
                found.sort(null);
                out.addAll(found);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list input " + in + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static void collect(FileSystem fs, FileStatus st, List<String> out, boolean named) throws IOException {
        String name = st.getPath().getName();
        if (!named && (name.startsWith("_") || name.startsWith("."))) {
            return;
        }
        if (st.isDirectory()) {
            for (FileStatus child : fs.listStatus(st.getPath())) {
                collect(fs, child, out, false);
            }
        } else if (named || isData(name)) {
            out.add(st.getPath().toString());
        }
    }
}
