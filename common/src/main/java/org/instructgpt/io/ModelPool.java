package org.instructgpt.io;

import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Checkpoints loaded on an executor, kept per JVM by location, so the tasks of a stage load a policy or reward model
 * once per executor rather than once per task. A model runs one pass at a time, so each task borrows its own copy and
 * gives it back; copies are made as concurrent tasks need them. A location is read again only by a new JVM, so a
 * checkpoint must not change under a running job (ours are written once, atomically).
 */
public final class ModelPool {
    private static final Map<String, Queue<ModelCheckpoint.Loaded>> FREE = new ConcurrentHashMap<>();

    private ModelPool() {
    }

    public static ModelCheckpoint.Loaded borrow(String location) {
        ModelCheckpoint.Loaded l = FREE.computeIfAbsent(location, k -> new ConcurrentLinkedQueue<>()).poll();
        if (l != null) {
            return l;
        }
        Path dir = EmbeddedModels.resolve(location);
        try {
            return ModelCheckpoint.load(Fs.of(dir), dir, DataType.FLOAT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + location + ": " + e.getMessage(), e);
        }
    }

    public static void giveBack(String location, ModelCheckpoint.Loaded l) {
        FREE.computeIfAbsent(location, k -> new ConcurrentLinkedQueue<>()).add(l);
    }

    /** Drops this JVM's idle checkpoints (a borrowed one is dropped when given back after). */
    public static void clear() {
        FREE.clear();
    }
}
