package org.instructgpt.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The driver's end of one task attempt's socket to the {@link DriverExchange}. Read by the driver's thread; written
 * by a thread of its own, so that the driver never waits on a write: a task writing its result (tens of MB at 6M
 * parameters) while the driver writes it the next parameters would otherwise fill both sockets' buffers and wait for
 * each other forever. Closed by any thread (a replacing attempt, Spark reporting the attempt failed), which makes a
 * blocked read or write fail. The wire format is {@link ExchangeTask}'s.
 */
final class ExchangeConnection extends DriverLink {
    private static final int BUFFER = 1 << 16;
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final BlockingQueue<Message> outbox = new LinkedBlockingQueue<>();
    private final Thread writer;

    /** One trainer's parameters to send, the plan ({@link TaskLink#PLAN}), or the end (trainer -1). */
    private record Message(int trainer, long step, byte[] params) {
    }

    private ExchangeConnection(Socket socket, int partition, int attempt) throws IOException {
        super(partition, attempt);
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), BUFFER));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), BUFFER));
        this.writer = new Thread(this::write, "gradient-exchange-write-" + partition + "-" + attempt);
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Sends what is queued, in order. A trainer's parameter bytes are reused by the driver for that trainer's next
     * step, which it fills only after every task has returned its result for this one, so after they were written.
     */
    private void write() {
        try {
            while (!closed) {
                Message m = outbox.take();
                out.writeInt(m.trainer());
                if (m.trainer() != -1) {
                    out.writeLong(m.step());
                    out.writeInt(m.params().length);
                    out.write(m.params());
                }
                out.flush();
            }
        } catch (IOException e) {
            close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads a task's greeting (the exchange's nonce, its partition and attempt); refuses a stranger. */
    static ExchangeConnection accepted(Socket s, long nonce, int partitions) throws IOException {
        s.setSoTimeout(30_000);
        s.setTcpNoDelay(true);
        DataInputStream hello = new DataInputStream(s.getInputStream());
        long n = hello.readLong();
        int partition = hello.readInt();
        int attempt = hello.readInt();
        if (n != nonce || partition < 0 || partition >= partitions) {
            throw new IOException("not a task of this exchange");
        }
        // A step may take long; a dead task is noticed by Spark instead (DriverExchange closes its connection).
        s.setSoTimeout(0);
        return new ExchangeConnection(s, partition, attempt);
    }

    /** A connection that fails is closed by its writer. */
    @Override
    void send(int trainer, long step, byte[] params) {
        outbox.add(new Message(trainer, step, params));
    }

    @Override
    void sendDone() {
        outbox.add(new Message(-1, 0, null));
    }

    @Override
    byte[] readSummary() throws IOException {
        int code = in.readInt();
        if (code != TaskLink.PLAN) {
            throw new IOException("partition " + partition() + "'s task sent trainer " + code + "'s result where its"
                    + " summary was due");
        }
        byte[] summary = new byte[in.readInt()];
        in.readFully(summary);
        return summary;
    }

    /** The gradient is read into {@code gradients[k]}, which the result then holds. */
    @Override
    ShardResult readResult(byte[][] gradients, int k) throws IOException {
        int trainer = in.readInt();
        byte[] header = new byte[in.readInt()];
        in.readFully(header);
        ShardResult r = (ShardResult) JavaBytes.read(header);
        if (trainer != k || r.partition() != partition()) {
            throw new IOException("partition " + partition() + "'s task sent trainer " + trainer + "'s result of partition "
                    + r.partition() + " where trainer " + k + "'s was due");
        }
        int n = in.readInt();
        if (n < 0) {
            return r;
        }
        if (gradients[k] == null || gradients[k].length != n) {
            gradients[k] = new byte[n];
        }
        in.readFully(gradients[k]);
        return new ShardResult(r.partition(), gradients[k], r.loss(), r.weight(), r.metrics(), r.seconds(), r.problem());
    }

    @Override
    void close() {
        closed = true;
        writer.interrupt();
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing a connection that is done with; nothing is lost.
        }
    }
}
