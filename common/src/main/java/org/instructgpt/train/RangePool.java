package org.instructgpt.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * An element-wise pass over a long buffer, split into contiguous ranges of whole chunks and run on a few threads, the
 * caller taking the first range. A pass that treats each chunk on its own gives the same bits at every thread count,
 * so the driver's update can use the driver's cores while the partitions wait for it (AdamW over 124M parameters is
 * about 0.2 s on one core). Its own daemon threads rather than ForkJoinPool's common pool, which other code in the
 * driver's JVM (Spark's) shares and which has a thread fewer than the cores.
 */
final class RangePool {
    /** Below this many elements a pass runs on the caller alone: handing out ranges costs tens of microseconds. */
    static final int MIN_PARALLEL = 1 << 18;
    private static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "instructgpt-driver-update");
        t.setDaemon(true);
        return t;
    });

    /** The work on elements [from, to). */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    private RangePool() {
    }

    /** Threads to use: {@code threads}, or the machine's cores for 0. */
    static int resolve(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (the machine's cores) or more, not " + threads);
        }
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }

    /**
     * Runs {@code body} over [0, n) in at most {@code threads} (0: the cores) ranges whose bounds are multiples of
     * {@code chunk} (but the last), and returns when all have; an exception in any range is rethrown.
     */
    static void run(int n, int chunk, int threads, Range body) {
        int chunks = (n + chunk - 1) / chunk;
        int parts = n < MIN_PARALLEL ? 1 : Math.min(resolve(threads), chunks);
        if (parts <= 1) {
            body.run(0, n);
            return;
        }
        List<Future<?>> others = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            int from = bound(p, parts, chunks, chunk, n);
            int to = bound(p + 1, parts, chunks, chunk, n);
            others.add(THREADS.submit(() -> body.run(from, to)));
        }
        RuntimeException first = null;
        try {
            body.run(0, bound(1, parts, chunks, chunk, n));
        } catch (RuntimeException e) {
            first = e;
        }
        for (Future<?> f : others) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the driver's update ran", e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static int bound(int p, int parts, int chunks, int chunk, int n) {
        return (int) Math.min(n, (long) chunks * p / parts * chunk);
    }
}
