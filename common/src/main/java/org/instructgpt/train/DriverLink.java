package org.instructgpt.train;

import java.io.IOException;

/**
 * The driver's end of one task attempt's link to the {@link DriverExchange}: a socket ({@link ExchangeConnection}), or
 * memory when the task runs in the driver's JVM ({@link MemoryLink}). Read by the driver's thread; closed by any
 * thread (a replacing attempt, Spark reporting the attempt failed), which makes a waiting receive fail.
 */
abstract class DriverLink {
    private final int partition;
    private final int attempt;
    private boolean primed;
    private boolean summaryDue;
    /** Set by {@link #close}, from any thread. */
    protected volatile boolean closed;

    DriverLink(int partition, int attempt) {
        this.partition = partition;
        this.attempt = attempt;
    }

    final int partition() {
        return partition;
    }

    final int attempt() {
        return attempt;
    }

    /** Whether it has been sent what its partition had outstanding when it joined. */
    final boolean primed() {
        return primed;
    }

    final void markPrimed() {
        primed = true;
    }

    /** Its task sends a summary of its rows before any result (set when it joins, before the driver reads it). */
    final void expectSummary() {
        summaryDue = true;
    }

    /** The task's summary of its rows. */
    final byte[] receiveSummary() throws IOException {
        byte[] summary = readSummary();
        summaryDue = false;
        return summary;
    }

    /**
     * The task's result for trainer {@code k}; its gradient is valid until the next receive of that trainer (it may
     * be read into {@code gradients[k]}, reallocated if the size differs). A task that joined after the driver had
     * every summary (a retried one) sends its own first, which is skipped: it is the same, its rows being the same.
     */
    final ShardResult receive(byte[][] gradients, int k) throws IOException {
        if (summaryDue) {
            receiveSummary();
        }
        return readResult(gradients, k);
    }

    final boolean isClosed() {
        return closed;
    }

    /**
     * Queues one trainer's parameters for its step, or the plan ({@link TaskLink#PLAN}); never waits. The driver fills
     * {@code params} again only after every task has returned its result for this step, so after the task has read
     * them.
     */
    abstract void send(int trainer, long step, byte[] params);

    /** Queues the end of the steps. */
    abstract void sendDone();

    abstract byte[] readSummary() throws IOException;

    /** {@link #receive} once the summary, if any, is read. */
    abstract ShardResult readResult(byte[][] gradients, int k) throws IOException;

    /** Marks it closed and wakes whatever waits on it. */
    abstract void close();
}
