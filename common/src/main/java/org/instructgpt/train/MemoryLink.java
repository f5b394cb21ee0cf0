package org.instructgpt.train;

import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A task's link to a {@link DriverExchange} in its own JVM (Spark's local mode): the parameters and results are
 * handed over as references through two queues instead of being copied through a loopback socket. On two cores the
 * socket's copies (13 MB a PPO step at config S, in the kernel) and the driver's reads of them took time from the
 * tasks' computation. The same messages in the same order as {@link ExchangeConnection}, so the same bits.
 */
final class MemoryLink extends DriverLink {
    /** Put in a queue when the link closes, to wake the side that waits on it. */
    private static final Object CLOSED = new Object();
    private static final Object DONE = new Object();
    private final BlockingQueue<Object> toTask = new LinkedBlockingQueue<>();
    private final BlockingQueue<Object> toDriver = new LinkedBlockingQueue<>();

    private record Reply(int trainer, ShardResult result) {
    }

    private record Summary(byte[] bytes) {
    }

    MemoryLink(int partition, int attempt) {
        super(partition, attempt);
    }

    @Override
    void send(int trainer, long step, byte[] params) {
        toTask.add(new TaskLink.Step(trainer, step, params));
    }

    @Override
    void sendDone() {
        toTask.add(DONE);
    }

    @Override
    byte[] readSummary() throws IOException {
        if (!(take() instanceof Summary s)) {
            throw new IOException("partition " + partition() + "'s task sent a result where its summary was due");
        }
        return s.bytes();
    }

    @Override
    ShardResult readResult(byte[][] gradients, int k) throws IOException {
        if (!(take() instanceof Reply r)) {
            throw new IOException("partition " + partition() + "'s task sent its summary where a result was due");
        }
        if (r.trainer() != k) {
            throw new IOException("partition " + partition() + "'s task sent trainer " + r.trainer() + "'s result where"
                    + " trainer " + k + "'s was due");
        }
        return r.result();
    }

    private Object take() throws IOException {
        Object o;
        try {
            o = toDriver.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for partition " + partition(), e);
        }
        if (o == CLOSED) {
            toDriver.add(CLOSED);
            throw new IOException("partition " + partition() + "'s task attempt " + attempt() + " is gone");
        }
        return o;
    }

    @Override
    void close() {
        closed = true;
        toDriver.add(CLOSED);
        toTask.add(CLOSED);
    }

    /** The task's end. */
    TaskLink taskEnd() {
        return new TaskLink() {
            private boolean done;

            @Override
            public Step next() throws IOException, InterruptedException {
                Object o = toTask.take();
                if (o == DONE) {
                    done = true;
                    return null;
                }
                if (o == CLOSED) {
                    toTask.add(CLOSED);
                    throw new IOException("partition " + partition() + ": the driver closed the gradient exchange (the"
                            + " driver stopped the steps, or a later attempt replaced this one)");
                }
                return (Step) o;
            }

            @Override
            public void summary(byte[] summary) {
                toDriver.add(new Summary(summary));
            }

            @Override
            public void reply(int trainer, ShardResult result) {
                toDriver.add(new Reply(trainer, result));
            }

            /** A task that ends before the driver said so (it failed) closes the link, as its socket would. */
            @Override
            public void close() {
                if (!done) {
                    MemoryLink.this.close();
                }
            }
        };
    }
}
