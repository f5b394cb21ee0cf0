package org.instructgpt.bench;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.VoidFunction;
import org.apache.spark.broadcast.Broadcast;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.instructgpt.train.FloatBytes.toBytes;

/**
 * The {@code endpoint} round of {@link SyncBenchmark}: many rounds in one ordinary Spark job, its tasks exchanging
 * gradients with a socket on the driver instead of a job per round. Each round every task sends the gradient of the
 * parameters; the driver reads them in partition order, sums them (so the sum has the ordered round's bits) and
 * sends the sum back to every task, as it would send the next parameters. This measures what the trainer's next
 * lever (issue 15, docs/scaling.md) would cost per step; the trainer's own exchange is {@code DriverExchange}, which
 * also lets a retried task back in. A plain socket rather than Spark's RPC environment, whose classes are Spark-internal.
 */
final class DriverExchangeRounds {
    private DriverExchangeRounds() {
    }

    /** {@code rounds} rounds over the tasks of {@code parts} (all running at once); the last round's sum. */
    static float[] run(JavaSparkContext sc, JavaRDD<Integer> parts, float[] params, int rounds) {
        int partitions = parts.getNumPartitions();
        String host = sc.getConf().get("spark.driver.host", "127.0.0.1");
        Broadcast<byte[]> b = sc.broadcast(toBytes(params));
        try (ServerSocket server = new ServerSocket(0, partitions, InetAddress.getByName(host))) {
            server.setSoTimeout(120_000);
            CompletableFuture<float[]> driver = CompletableFuture.supplyAsync(
                    () -> serve(server, partitions, params.length, rounds));
            parts.foreachPartition(new Rounds(b, host, server.getLocalPort(), rounds));
            return driver.get(120, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the driver's side of the exchange failed", e);
        } finally {
            b.destroy();
        }
    }

    private static float[] serve(ServerSocket server, int partitions, int n, int rounds) {
        Socket[] sockets = new Socket[partitions];
        try {
            DataInputStream[] in = new DataInputStream[partitions];
            DataOutputStream[] out = new DataOutputStream[partitions];
            for (int k = 0; k < partitions; k++) {
                Socket s = server.accept();
                DataInputStream i = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
                int index = i.readInt();
                sockets[index] = s;
                in[index] = i;
                out[index] = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
            }
            byte[] bytes = new byte[4 * n];
            float[] sum = null;
            for (int r = 0; r < rounds; r++) {
                sum = new float[n];
                for (int k = 0; k < partitions; k++) {
                    in[k].readFully(bytes);
                    SyncBenchmark.addInto(sum, bytes);
                }
                byte[] reply = toBytes(sum);
                for (DataOutputStream o : out) {
                    o.write(reply);
                    o.flush();
                }
            }
            return sum;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (Socket s : sockets) {
                try {
                    if (s != null) {
                        s.close();
                    }
                } catch (IOException ignored) {
                    // Closing after the rounds; nothing is lost.
                }
            }
        }
    }

    /** A task's rounds: send the gradient of what it holds, receive the sum, which it holds next. */
    private record Rounds(Broadcast<byte[]> params, String host, int port, int rounds)
            implements VoidFunction<Iterator<Integer>> {
        @Override
        public void call(Iterator<Integer> rows) throws IOException {
            int index = TaskContext.getPartitionId();
            try (Socket s = new Socket(host, port)) {
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
                DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
                out.writeInt(index);
                byte[] held = params.value();
                byte[] reply = new byte[held.length];
                for (int r = 0; r < rounds; r++) {
                    // Every round from the broadcast parameters, as the other rounds of SyncBenchmark do, so the last
                    // sum can be compared with theirs; the received sum is read in full all the same.
                    out.write(toBytes(SyncBenchmark.gradient(held, index)));
                    out.flush();
                    in.readFully(reply);
                }
            }
        }
    }
}
