package org.instructgpt.io;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.spark.TaskContext;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local file system under the scheme {@code flaky://}, whose reads of {@code model.safetensors} fail in the first
 * attempt of a Spark task of partition 1: a storage hiccup of the kind that makes Spark retry a task, injected where
 * it happens in production (Hadoop I/O) rather than in our code. Found by Hadoop through META-INF/services.
 */
public class FlakyFileSystem extends RawLocalFileSystem {
    /** Reads refused so far, so a test can see that a retry happened. */
    public static final AtomicInteger FAILURES = new AtomicInteger();

    @Override
    public String getScheme() {
        return "flaky";
    }

    @Override
    public URI getUri() {
        return URI.create("flaky:///");
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        TaskContext tc = TaskContext.get();
        if (tc != null && tc.partitionId() == 1 && tc.attemptNumber() == 0 && f.getName().equals("model.safetensors")) {
            FAILURES.incrementAndGet();
            throw new IOException("injected: the first attempt of task " + tc.taskAttemptId() + " cannot read " + f);
        }
        return super.open(f, bufferSize);
    }
}
