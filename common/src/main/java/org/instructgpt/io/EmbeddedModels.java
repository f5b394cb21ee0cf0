package org.instructgpt.io;

import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** Models shipped inside the jar ({@code embedded:<name>}), copied to a local directory to be loaded like any other. */
public final class EmbeddedModels {
    public static final String SCHEME = "embedded:";
    private static final List<String> FILES = List.of("config.json", "model.safetensors");

    private EmbeddedModels() {
    }

    /** Resolves {@code embedded:<name>} to a local copy; any other location is returned as a Hadoop path. */
    public static Path resolve(String location) {
        if (!location.startsWith(SCHEME)) {
            return new Path(location);
        }
        String name = location.substring(SCHEME.length());
        try {
            java.nio.file.Path dir = Files.createTempDirectory("instructgpt-" + name);
            dir.toFile().deleteOnExit();
            for (String f : FILES) {
                try (InputStream in = EmbeddedModels.class.getResourceAsStream("/instructgpt/models/" + name + "/" + f)) {
                    if (in == null) {
                        throw new IllegalArgumentException("no embedded model '" + name + "' (known: tiny-gpt2, tiny-gpt2-rm)");
                    }
                    java.nio.file.Path target = dir.resolve(f);
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    target.toFile().deleteOnExit();
                }
            }
            return new Path(dir.toUri());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack embedded model " + name, e);
        }
    }
}
