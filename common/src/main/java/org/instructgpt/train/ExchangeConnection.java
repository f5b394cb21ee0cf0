package org.instructgpt.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.net.Socket;

/**
 * The driver's end of one task attempt's connection to the {@link DriverExchange}. Written by the driver's thread
 * only; closed by any (a replacing attempt, Spark reporting the attempt failed), which makes a blocked read fail.
 * The wire format is {@link ExchangeTask}'s.
 */
final class ExchangeConnection {
    private static final int BUFFER = 1 << 16;
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final int partition;
    private final int attempt;
    private boolean primed;
    private volatile boolean closed;

    private ExchangeConnection(Socket socket, int partition, int attempt) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), BUFFER));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), BUFFER));
        this.partition = partition;
        this.attempt = attempt;
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

    int partition() {
        return partition;
    }

    int attempt() {
        return attempt;
    }

    /** Whether it has been sent what its partition had outstanding when it joined. */
    boolean primed() {
        return primed;
    }

    void markPrimed() {
        primed = true;
    }

    boolean isClosed() {
        return closed;
    }

    /** One trainer's parameters: its index, its step and the parameters. */
    void send(int trainer, long step, byte[] params) throws IOException {
        out.writeInt(trainer);
        out.writeLong(step);
        out.writeInt(params.length);
        out.write(params);
        out.flush();
    }

    void sendDone() throws IOException {
        out.writeInt(-1);
        out.flush();
    }

    /**
     * The task's result for trainer {@code k}, its gradient read into {@code gradients[k]} (reallocated if the size
     * differs), which the result then holds: valid until the next receive of that trainer.
     */
    ShardResult receive(byte[][] gradients, int k) throws IOException {
        int trainer = in.readInt();
        byte[] header = new byte[in.readInt()];
        in.readFully(header);
        ShardResult r;
        try (ObjectInputStream o = new ObjectInputStream(new ByteArrayInputStream(header))) {
            r = (ShardResult) o.readObject();
        } catch (ClassNotFoundException e) {
            throw new IOException("a task sent a result of an unknown class", e);
        }
        if (trainer != k || r.partition() != partition) {
            throw new IOException("partition " + partition + "'s task sent trainer " + trainer + "'s result of partition "
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

    void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing a connection that is done with; nothing is lost.
        }
    }
}
