package org.instructgpt.train;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.VoidFunction;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A task of the socket exchange: it connects to the {@link DriverExchange}, then reads one trainer's step and
 * parameters after another, computes its partition's share of that step ({@link DataParallelTrainer#shard}) and sends
 * the result back, until the driver says the steps are over. It keeps nothing between steps but its rows, so an
 * attempt that replaces a failed one computes exactly what the failed one would have.
 *
 * <p>Wire format, big-endian. Task to driver once: nonce (long), partition (int), attempt (int). Driver to task:
 * trainer (int; -1 ends), step (long), length (int), parameters (little-endian floats). Task to driver for each:
 * trainer (int), the Java-serialised {@link ShardResult} without its gradient (length, bytes), then the gradient
 * (length, -1 for none, and bytes).
 */
record ExchangeTask<E>(Address address, List<Shard<E>> trainers) implements VoidFunction<Iterator<E>> {
    /** Where the driver listens, and the number that tells its tasks from strangers. */
    record Address(String host, int port, long nonce) implements Serializable {
    }

    /** What a partition needs to compute one trainer's share of a step, besides the step and parameters. */
    record Shard<E>(ModelSpec spec, TrainingObjective<E> objective, long seed, int local, int micro)
            implements Serializable {
    }

    @Override
    public void call(Iterator<E> rows) throws IOException {
        TaskContext ctx = TaskContext.get();
        int partition = ctx.partitionId();
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            try {
                s.connect(new InetSocketAddress(address.host(), address.port()), 30_000);
            } catch (IOException e) {
                throw new IOException("partition " + partition + " could not reach the driver's gradient exchange at "
                        + address.host() + ":" + address.port() + " (" + e.getMessage() + "): let executors connect to"
                        + " the driver on instructgpt.train.exchange.port, or set instructgpt.train.exchange.mode = job",
                        e);
            }
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
            out.writeLong(address.nonce());
            out.writeInt(partition);
            out.writeInt(ctx.attemptNumber());
            out.flush();
            List<E> all = new ArrayList<>();
            rows.forEachRemaining(all::add);
            byte[][] params = new byte[trainers.size()][];
            byte[][] gradients = new byte[trainers.size()][];
            while (true) {
                int k = readNext(in, partition);
                if (k < 0) {
                    return;
                }
                if (k >= trainers.size()) {
                    throw new IOException("the driver sent trainer " + k + "'s parameters to a task of " + trainers.size());
                }
                long step = in.readLong();
                int len = in.readInt();
                if (params[k] == null || params[k].length != len) {
                    params[k] = new byte[len];
                }
                in.readFully(params[k]);
                Shard<E> t = trainers.get(k);
                ShardResult r = DataParallelTrainer.shard(partition, all, params[k], t.spec(), t.objective(), t.seed(),
                        step, t.local(), t.micro(), gradients[k]);
                gradients[k] = r.gradient() != null ? r.gradient() : gradients[k];
                out.writeInt(k);
                write(out, r);
                out.flush();
            }
        }
    }

    /** The next trainer index; the driver closing the exchange (a refused step, a stopped run) said in words. */
    private static int readNext(DataInputStream in, int partition) throws IOException {
        try {
            return in.readInt();
        } catch (java.io.EOFException | java.net.SocketException e) {
            throw new IOException("partition " + partition + ": the driver closed the gradient exchange (the driver"
                    + " stopped the steps, or was lost)", e);
        }
    }

    private static void write(DataOutputStream out, ShardResult r) throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream(512);
        try (ObjectOutputStream o = new ObjectOutputStream(header)) {
            o.writeObject(new ShardResult(r.partition(), null, r.loss(), r.weight(), r.metrics(), r.seconds(),
                    r.problem()));
        }
        out.writeInt(header.size());
        header.writeTo(out);
        if (r.gradient() == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(r.gradient().length);
            out.write(r.gradient());
        }
    }
}
