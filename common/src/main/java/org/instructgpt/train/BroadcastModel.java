package org.instructgpt.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.instructgpt.model.Gpt2Model;

import java.io.Serializable;

/**
 * A model's current parameters shipped to the executors once (a broadcast of its float bytes) with what is needed
 * to rebuild it there: tasks borrow an executor-cached replica with these parameters (the trainer's pool), so a
 * model that changes every iteration (PPO's policy and value model) costs one broadcast per iteration, not one load.
 */
public record BroadcastModel(ModelSpec spec, Broadcast<byte[]> params) implements Serializable {
    public static BroadcastModel of(JavaSparkContext sc, Gpt2Model model) {
        return new BroadcastModel(ModelSpec.of(model), sc.broadcast(FloatBytes.toBytes(model.params().flat())));
    }

    /** A replica holding the broadcast parameters; give it back when done. */
    public Gpt2Model borrow() {
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
