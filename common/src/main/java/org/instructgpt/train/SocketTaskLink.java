package org.instructgpt.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A task's socket to the driver's {@link DriverExchange}, in {@link ExchangeTask}'s wire format. It keeps a buffer
 * per trainer for the parameters it reads.
 */
final class SocketTaskLink implements TaskLink {
    private final Socket socket = new Socket();
    private final DataInputStream in;
    private final DataOutputStream out;
    private final int partition;
    private final byte[][] params;

    SocketTaskLink(ExchangeTask.Address address, int partition, int attempt, int trainers) throws IOException {
        this.partition = partition;
        this.params = new byte[trainers][];
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
        out.writeInt(PLAN);
        out.writeInt(summary.length);
        out.write(summary);
        out.flush();
    }

    @Override
    public void reply(int trainer, ShardResult r) throws IOException {
        out.writeInt(trainer);
        byte[] header = JavaBytes.of(new ShardResult(r.partition(), null, r.loss(), r.weight(), r.metrics(), r.seconds(),
                r.problem()));
        out.writeInt(header.length);
        out.write(header);
        if (r.gradient() == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(r.gradient().length);
            out.write(r.gradient());
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
