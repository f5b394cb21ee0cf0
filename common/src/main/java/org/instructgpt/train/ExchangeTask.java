package org.instructgpt.train;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.VoidFunction;
import org.instructgpt.model.Gpt2Model;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A task of the exchange: it joins the {@link DriverExchange}, then takes one trainer's step and parameters after
 * another, computes its partition's share of that step ({@link PartitionShare#compute}) and sends the result back,
 * until the driver says the steps are over. It keeps nothing between steps but its rows, so an attempt that replaces a
 * failed one computes exactly what the failed one would have. It joins through memory when the exchange is in its own
 * JVM and allows it ({@link MemoryLink}), otherwise through a socket ({@link SocketTaskLink}).
 *
 * <p>Where the objectives depend on the data ({@link DataDependentObjectives}), the task first sends a summary of its
 * rows and then reads the trainers' shards from the driver, so that making the rows (PPO's rollouts), summing their
 * statistics and the steps are one Spark job.
 *
 * <p>Wire format, big-endian. Task to driver once: nonce (long), partition (int), attempt (int); then, with summaries,
 * -2, length (int) and the Java-serialised summary. Driver to task, with summaries first: -2, 0 (long), length and the
 * Java-serialised list of shards. Then driver to task:
 * trainer (int; -1 ends), step (long), length (int), parameters (little-endian floats); at the end, trainer n + k
 * (n trainers) carries trainer k's final parameters with their step, which the task keeps in its executor's
 * {@link ReplicaPool} for the next job (PPO's rollouts) instead of computing. Task to driver for each:
 * trainer (int), the Java-serialised {@link ShardResult} without its gradient (length, bytes), then the gradient
 * (length, -1 for none, and bytes).
 */
record ExchangeTask<E>(Address address, int count, List<Shard<E>> trainers, RowSummary<E, ?> summary)
        implements VoidFunction<Iterator<E>> {
    /** The task of a stretch whose trainers' shards are known when it starts. */
    ExchangeTask(Address address, List<Shard<E>> trainers) {
        this(address, trainers.size(), trainers, null);
    }

    /** The task of a stretch whose shards the driver sends once it has every partition's summary of its rows. */
    static <E> ExchangeTask<E> summarising(Address address, int count, RowSummary<E, ?> summary) {
        return new ExchangeTask<>(address, count, null, summary);
    }

    /** Where the driver listens, and the number that tells its tasks from strangers. */
    record Address(String host, int port, long nonce) implements Serializable {
    }

    /** What a partition needs to compute one trainer's share of a step, besides the step and parameters. */
    record Shard<E>(ModelSpec spec, TrainingObjective<E> objective, long seed, int local, int micro, long key)
            implements Serializable {
    }

    @Override
    public void call(Iterator<E> rows) throws IOException, InterruptedException {
        TaskContext ctx = TaskContext.get();
        int partition = ctx.partitionId();
        try (TaskLink link = open(partition, ctx.attemptNumber())) {
            List<E> all = new ArrayList<>();
            rows.forEachRemaining(all::add);
            List<Shard<E>> shards = summary == null ? trainers : plan(link, all);
            if (shards == null) {
                return;
            }
            // Two gradient buffers a trainer, used in turn: a result may still be on its way to the driver while the
            // next share is computed (SocketTaskLink), but not two.
            byte[][][] gradients = new byte[shards.size()][2][];
            int[] shares = new int[shards.size()];
            for (TaskLink.Step s = link.next(); s != null; s = link.next()) {
                int k = s.trainer();
                if (k >= shards.size()) {
                    keep(shards.get(k - shards.size()), s);
                    continue;
                }
                Shard<E> t = shards.get(k);
                ShardResult r = PartitionShare.compute(partition, all, s.params(), t.spec(), t.objective(), t.seed(),
                        s.step(), t.local(), t.micro(), gradients[k][shares[k] % 2]);
                if (r.gradient() != null) {
                    gradients[k][shares[k]++ % 2] = r.gradient();
                }
                link.reply(k, r);
            }
        }
    }

    /**
     * Sends the driver the summary of this partition's rows and reads its plan, the trainers' shards; null if the
     * driver says the steps are over first (an attempt retried after its partition's last result).
     */
    @SuppressWarnings("unchecked")
    private List<Shard<E>> plan(TaskLink link, List<E> all) throws IOException, InterruptedException {
        link.summary(JavaBytes.of(summary.of(all)));
        TaskLink.Step plan = link.next();
        if (plan == null) {
            return null;
        }
        if (plan.trainer() != TaskLink.PLAN) {
            throw new IOException("the driver sent trainer " + plan.trainer() + "'s parameters before its plan");
        }
        return (List<Shard<E>>) JavaBytes.read(plan.params());
    }

    /** A trainer's final parameters of the stretch, left in this executor's pool for the next job to borrow. */
    private static void keep(Shard<?> t, TaskLink.Step s) {
        Gpt2Model m = ReplicaPool.forKeeping(t.spec(), t.key(), s.step());
        FloatBytes.assign(m.params().flat(), s.params());
        ReplicaPool.keep(t.spec(), m, t.key(), s.step());
    }

    private TaskLink open(int partition, int attempt) throws IOException {
        TaskLink inMemory = DriverExchange.joinInThisJvm(address.nonce(), partition, attempt);
        return inMemory != null ? inMemory : new SocketTaskLink(address, partition, attempt, count);
    }
}
