package org.instructgpt.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.instructgpt.model.Gpt2Model;

import java.io.Serializable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model's current parameters shipped to the executors once (a broadcast of its float bytes) with what is needed
 * to rebuild it there: tasks borrow an executor-cached replica with these parameters (the trainer's pool), so a
 * model that changes every iteration (PPO's policy and value model) costs one broadcast per iteration, not one load.
 */
public record BroadcastModel(ModelSpec spec, Broadcast<byte[]> params, long key, long version) implements Serializable {
    /** Borrows that took a replica the trainer's exchange had left on the executor, in this JVM (for tests). */
    static final AtomicInteger KEPT_BORROWS = new AtomicInteger();

    /** {@link #KEPT_BORROWS} so far, for tests outside this package. */
    public static int keptBorrows() {
        return KEPT_BORROWS.get();
    }

    public static BroadcastModel of(JavaSparkContext sc, Gpt2Model model) {
        return new BroadcastModel(ModelSpec.of(model), sc.broadcast(FloatBytes.toBytes(model.params().flat())), 0, -1);
    }

    /**
     * A trainer's current parameters. On an executor where the trainer's last stretch of steps left them
     * ({@link ReplicaPool#keep}), a borrow takes that replica and the broadcast is never fetched: on executors in JVMs
     * of their own a fetch is several round trips to the driver (docs/benchmarks.md, session 19).
     */
    public static BroadcastModel of(JavaSparkContext sc, DataParallelTrainer<?> trainer) {
        return new BroadcastModel(trainer.spec(), sc.broadcast(FloatBytes.toBytes(trainer.model().params().flat())),
                trainer.key(), trainer.step());
    }

    /** A replica holding the broadcast parameters; give it back when done. */
    public Gpt2Model borrow() {
        Gpt2Model kept = version >= 0 ? ReplicaPool.borrowKept(spec, key, version) : null;
        if (kept != null) {
            KEPT_BORROWS.incrementAndGet();
            return kept;
        }
        Gpt2Model m = ReplicaPool.borrow(spec);
        FloatBytes.assign(m.params().flat(), params.value());
        return m;
    }

    public void giveBack(Gpt2Model m) {
        ReplicaPool.giveBack(spec, m);
    }

    /** Frees the broadcast on the executors and the driver. */
    public void destroy() {
        params.destroy();
    }
}
