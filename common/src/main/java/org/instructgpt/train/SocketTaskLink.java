package org.instructgpt.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A task's socket to the driver's {@link DriverExchange}, in {@link ExchangeTask}'s wire format. It keeps a buffer
 * per trainer for the parameters it reads. A result is written by a thread of its own while the task computes its
 * next share: the driver reads the partitions' results one after another, so a task's write of its gradient (3.4 MB
 * at 0.84M parameters) waited for the other partition's to be read, 62 ms of a PPO iteration's 1.9 s of steps on a
 * standalone cluster (docs/benchmarks.md, session 20). One result is in flight at a time, in order.
 */
final class SocketTaskLink implements TaskLink {
    private final Socket socket = new Socket();
    private final DataInputStream in;
    private final DataOutputStream out;
    private final int partition;
    private final byte[][] params;
    private final ExecutorService writer;
    private Future<?> pending;

    SocketTaskLink(ExchangeTask.Address address, int partition, int attempt, int trainers) throws IOException {
        this.partition = partition;
        this.params = new byte[trainers][];
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gradient-exchange-reply-" + partition);
            t.setDaemon(true);
            return t;
        });
        try {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            try {
                socket.connect(new InetSocketAddress(address.host(), address.port()), 30_000);
            } catch (IOException e) {
                throw new IOException("partition " + partition + " could not reach the driver's gradient exchange at "
                        + address.host() + ":" + address.port() + " (" + e.getMessage() + "): let executors connect"
                        + " to the driver on instructgpt.train.exchange.port, or set instructgpt.train.exchange.mode"
                        + " = job", e);
            }
            out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
            in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            out.writeLong(address.nonce());
            out.writeInt(partition);
            out.writeInt(attempt);
            out.flush();
        } catch (IOException e) {
            writer.shutdownNow();
            socket.close();
            throw e;
        }
    }

    @Override
    public Step next() throws IOException {
        int k;
        try {
            k = in.readInt();
        } catch (java.io.EOFException | java.net.SocketException e) {
            throw new IOException("partition " + partition + ": the driver closed the gradient exchange (the driver"
                    + " stopped the steps, or was lost)", e);
        }
        if (k == PLAN) {
            long step = in.readLong();
            byte[] plan = new byte[in.readInt()];
            in.readFully(plan);
            return new Step(k, step, plan);
        }
        if (k < 0) {
            return null;
        }
        if (k >= 2 * params.length) {
            throw new IOException("the driver sent trainer " + k + "'s parameters to a task of " + params.length);
        }
        // Trainer n + k: trainer k's final parameters, into its buffer (its steps are over).
        int b = k % params.length;
        long step = in.readLong();
        int len = in.readInt();
        if (params[b] == null || params[b].length != len) {
            params[b] = new byte[len];
        }
        in.readFully(params[b]);
        return new Step(k, step, params[b]);
    }

    @Override
    public void summary(byte[] summary) throws IOException {
        written();
        out.writeInt(PLAN);
        out.writeInt(summary.length);
        out.write(summary);
        out.flush();
    }

    /**
     * Queues the result; its gradient must stay as it is until the next reply returns (which waits for this one to
     * be written).
     */
    @Override
    public void reply(int trainer, ShardResult r) throws IOException {
        byte[] header = JavaBytes.of(new ShardResult(r.partition(), null, r.loss(), r.weight(), r.metrics(), r.seconds(),
                r.problem()));
        written();
        byte[] gradient = r.gradient();
        pending = writer.submit(() -> {
            out.writeInt(trainer);
            out.writeInt(header.length);
            out.write(header);
            if (gradient == null) {
                out.writeInt(-1);
            } else {
                out.writeInt(gradient.length);
                out.write(gradient);
            }
            out.flush();
            return null;
        });
    }

    /** Waits until the last result queued is written; its failure is this call's. */
    private void written() throws IOException {
        if (pending == null) {
            return;
        }
        try {
            pending.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("partition " + partition + " was interrupted writing its result");
        } finally {
            pending = null;
        }
    }

    @Override
    public void close() throws IOException {
        // The driver ends the steps only once it has read every result, so nothing queued is lost here; a task that
        // fails has nothing left to say.
        writer.shutdownNow();
        socket.close();
    }
}
