package org.instructgpt.train;

import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * The driver's side of the socket exchange ({@link ExchangeSettings}): a server socket the tasks of one Spark job
 * connect to, one per partition. For each trainer in turn the driver sends every task the parameters and reads the
 * partitions' results back <em>in partition order</em> into the step's sum, so the sum has the bits of a job per step.
 * A task that fails and is retried connects again and is sent what its partition has not delivered yet: its result is
 * the same, since every random choice is keyed by seed, step and partition. When a partition has no task for longer than the timeout (no
 * free slot, an executor gone for good), the exchange stops with {@link Stalled} and the trainers go on with jobs.
 * A plain socket rather than Spark's RPC environment, whose classes are internal to Spark. Tasks in the driver's own JVM
 * (local mode) join through memory instead ({@link MemoryLink}) unless {@link ExchangeSettings#inMemory} is off.
 */
final class DriverExchange implements AutoCloseable {
    /** A partition has had no task for longer than the timeout; nothing of the step under way was applied. */
    static final class Stalled extends Exception {
        Stalled(String message) {
            super(message);
        }
    }

    /** The exchanges open in this JVM that tasks may join through memory, by nonce. */
    private static final Map<Long, DriverExchange> IN_THIS_JVM = new ConcurrentHashMap<>();
    /** Task attempts that joined an exchange through memory, in this JVM (so that tests can see which link ran). */
    static final java.util.concurrent.atomic.AtomicInteger MEMORY_JOINS = new java.util.concurrent.atomic.AtomicInteger();
    private final JavaSparkContext sc;
    private final ServerSocket server;
    private final String host;
    private final long nonce = new SecureRandom().nextLong();
    private final ExchangeSettings settings;
    private final DriverLink[] latest;
    private final Set<Integer> stages = ConcurrentHashMap.newKeySet();
    private final SparkListener listener = new TaskFailures();
    private final Thread acceptor;
    private volatile boolean closed;
    private boolean finishing;
    private JavaFutureAction<Void> job;
    private final int trainers;
    /** Whether the tasks send a summary of their rows before the steps ({@link DataDependentObjectives}). */
    private final boolean summarised;
    /** The trainers' shards, Java-serialised, sent to every task before its first parameters; null without summaries. */
    private byte[] plan;
    private long[] steps;
    private byte[][] latestParams;
    private boolean[] outstanding;
    private byte[][] gradients;

    DriverExchange(JavaSparkContext sc, ExchangeSettings settings, int partitions, int trainers, boolean summarised) {
        this.sc = sc;
        this.trainers = trainers;
        this.summarised = summarised;
        this.settings = settings;
        this.latest = new DriverLink[partitions];
        this.host = sc.getConf().get("spark.driver.host", "127.0.0.1");
        String bind = sc.getConf().get("spark.driver.bindAddress", host);
        try {
            this.server = new ServerSocket(settings.port(), partitions * 2, InetAddress.getByName(bind));
        } catch (IOException e) {
            throw new UncheckedIOException("the gradient exchange could not listen on " + bind + ":" + settings.port()
                    + " (instructgpt.train.exchange.port)", e);
        }
        sc.sc().addSparkListener(listener);
        this.acceptor = new Thread(this::accept, "gradient-exchange-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        if (settings.inMemory()) {
            IN_THIS_JVM.put(nonce, this);
        }
    }

    /**
     * A task's link through memory to the exchange of {@code nonce}, if that exchange is open in this JVM and allows
     * it; null otherwise (the task then connects to the socket).
     */
    static TaskLink joinInThisJvm(long nonce, int partition, int attempt) {
        DriverExchange ex = IN_THIS_JVM.get(nonce);
        if (ex == null || partition < 0 || partition >= ex.latest.length) {
            return null;
        }
        MemoryLink link = new MemoryLink(partition, attempt);
        MEMORY_JOINS.incrementAndGet();
        ex.join(link);
        return link.taskEnd();
    }

    /** What a task needs to find this exchange. */
    ExchangeTask.Address address() {
        return new ExchangeTask.Address(host, server.getLocalPort(), nonce);
    }

    /** The job whose tasks connect; tagged so that its tasks' failures close their connections at once. */
    void start(java.util.function.Supplier<JavaFutureAction<Void>> submit) {
        sc.setLocalProperty("instructgpt.exchange", Long.toString(nonce));
        try {
            job = submit.get();
        } finally {
            sc.setLocalProperty("instructgpt.exchange", null);
        }
    }

    /**
     * Trainer {@code k}'s parameters for its step {@code step}, to every task: a task computes its share as soon as
     * they arrive, while the driver still reads the other trainers' results (the policy's step travels while the
     * value model's share is computed).
     */
    void send(int k, long step, byte[] params) {
        if (steps == null) {
            steps = new long[trainers];
            latestParams = new byte[trainers][];
            outstanding = new boolean[trainers];
            gradients = new byte[trainers][];
        }
        steps[k] = step;
        latestParams[k] = params;
        outstanding[k] = true;
        for (DriverLink c : snapshot()) {
            if (c != null && c.primed()) {
                c.send(k, step, params);
            }
        }
    }

    /**
     * Every partition's summary of its rows, in partition order. A task that fails before it sent its summary is
     * waited for again (its retry sends the same).
     */
    List<byte[]> summaries() throws Stalled {
        List<byte[]> out = new ArrayList<>(latest.length);
        for (int p = 0; p < latest.length; p++) {
            byte[] summary = null;
            while (summary == null) {
                DriverLink c = await(p);
                try {
                    summary = c.receiveSummary();
                } catch (IOException e) {
                    c.close();
                }
            }
            out.add(summary);
        }
        return out;
    }

    /** The plan every task reads after its summary and before its first parameters: the trainers' shards. */
    void plan(byte[] shards) {
        this.plan = shards;
    }

    /**
     * Every partition's result for trainer {@code k}, added to {@code sum} in partition order. A task that joined
     * since (its partition's first task, or one retried) is first sent what it has not computed yet, starting with
     * trainer {@code k}'s parameters.
     */
    void receive(int k, StepSum sum) throws Stalled {
        for (int p = 0; p < latest.length; p++) {
            prime(await(p), k);
        }
        for (int p = 0; p < latest.length; p++) {
            ShardResult result = null;
            while (result == null) {
                DriverLink c = prime(await(p), k);
                try {
                    result = c.receive(gradients, k);
                } catch (IOException e) {
                    c.close();
                }
            }
            sum.add(result);
        }
        outstanding[k] = false;
    }

    /**
     * Sends a new connection the plan, if any, and the outstanding parameters, trainer {@code k}'s first, then in the
     * tasks' order.
     */
    private DriverLink prime(DriverLink c, int k) {
        if (!c.primed()) {
            if (plan != null) {
                c.send(TaskLink.PLAN, 0, plan);
            }
            for (int i = 0; i < trainers; i++) {
                int j = (k + i) % trainers;
                if (outstanding[j]) {
                    c.send(j, steps[j], latestParams[j]);
                }
            }
            c.markPrimed();
        }
        return c;
    }

    /**
     * Sends every task each trainer's final parameters ({@code finals}, at {@code versions}, to keep), tells them the
     * steps are over and waits for the job to end. A task retried after its partition's last result (its executor lost
     * at the very end) joins later and is told at once, so the job can end; it keeps nothing.
     */
    void finish(byte[][] finals, long[] versions) {
        DriverLink[] now;
        synchronized (this) {
            finishing = true;
            now = latest.clone();
        }
        for (DriverLink c : now) {
            if (c != null) {
                for (int k = 0; k < trainers; k++) {
                    c.send(trainers + k, versions[k], finals[k]);
                }
                // A task gone now has nothing left to do; the job's result says whether that was a failure.
                c.sendDone();
            }
        }
        try {
            job.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the exchange's job ended", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }

    /** The live connection of partition {@code p}, waiting for its task to (re)connect. */
    private synchronized DriverLink await(int p) throws Stalled {
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        while (true) {
            DriverLink c = latest[p];
            if (c != null && !c.isClosed()) {
                return c;
            }
            if (job != null && job.isDone()) {
                try {
                    job.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("the exchange's job ended before partition " + p + " was done");
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new Stalled("no task of partition " + p + " joined the gradient exchange in "
                        + settings.timeout().toSeconds() + " s");
            }
            try {
                wait(Math.max(1, Math.min(200, left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for partition " + p, e);
            }
        }
    }

    private synchronized DriverLink[] snapshot() {
        return latest.clone();
    }

    /** Accepts tasks; a later attempt of a partition replaces (and closes) the earlier one. */
    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                ExchangeConnection c;
                try {
                    c = ExchangeConnection.accepted(s, nonce, latest.length);
                } catch (IOException e) {
                    s.close();
                    continue;
                }
                join(c);
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    /** A task attempt's link; a later attempt of a partition replaces (and closes) the earlier one. */
    private synchronized void join(DriverLink c) {
        if (closed) {
            // Joined after close() took its snapshot of the links: nothing will be sent, so end the task now.
            c.close();
            return;
        }
        if (summarised) {
            c.expectSummary();
        }
        DriverLink old = latest[c.partition()];
        latest[c.partition()] = c;
        if (old != null) {
            old.close();
        }
        if (finishing) {
            c.sendDone();
        }
        notifyAll();
    }

    /** Closes the connection of a failed task attempt as soon as Spark knows of it, so no read waits on it. */
    private final class TaskFailures extends SparkListener {
        @Override
        public void onStageSubmitted(SparkListenerStageSubmitted e) {
            if (e.properties() != null && Long.toString(nonce).equals(e.properties().getProperty("instructgpt.exchange"))) {
                stages.add(e.stageInfo().stageId());
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd e) {
            if (!stages.contains(e.stageId()) || e.taskInfo().successful()) {
                return;
            }
            synchronized (DriverExchange.this) {
                DriverLink c = latest[e.taskInfo().index()];
                if (c != null && c.attempt() == e.taskInfo().attemptNumber()) {
                    c.close();
                }
                DriverExchange.this.notifyAll();
            }
        }
    }

    /** Stops listening, closes every connection and cancels the job if it is still running. */
    @Override
    public void close() {
        closed = true;
        IN_THIS_JVM.remove(nonce);
        sc.sc().removeSparkListener(listener);
        try {
            server.close();
        } catch (IOException ignored) {
            // Closing a listening socket; nothing is lost.
        }
        for (DriverLink c : snapshot()) {
            if (c != null) {
                c.close();
            }
        }
        if (job != null && !job.isDone()) {
            job.cancel(true);
        }
        synchronized (this) {
            notifyAll();
        }
    }
}
