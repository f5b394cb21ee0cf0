package org.instructgpt.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.instructgpt.io.ModelPool;
import org.instructgpt.train.ReplicaPool;

import java.util.ArrayList;
import java.util.List;

/**
 * Empties the per-JVM pools of loaded checkpoints ({@link ModelPool}) and training replicas ({@link ReplicaPool})
 * between the stages of one Spark application: each pooled model keeps its parameters and the activation buffers of
 * the largest pass it made (hundreds of MB for a batch of 32 sequences), and a pipeline meets some twenty models, which
 * ran a 4 GB heap out of memory in its evaluation. The pools fill again on demand.
 */
public final class ExecutorPools {
    private ExecutorPools() {
    }

    /**
     * Clears the driver's pools and, through a small job of more tasks than there are cores, those of the executors
     * (best effort on a cluster: an executor that gets none of the tasks keeps its pools until it is used again).
     */
    public static void clear(JavaSparkContext sc) {
        clearHere();
        int n = 4 * Math.max(1, sc.defaultParallelism());
        List<Integer> tasks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            tasks.add(i);
        }
        sc.parallelize(tasks, n).foreachPartition(it -> clearHere());
    }

    static void clearHere() {
        ModelPool.clear();
        ReplicaPool.clear();
        org.instructgpt.model.cpu.EvalActivations.clear();
    }
}
