package org.instructgpt.train;

import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Training examples spread over a fixed number of partitions, deterministically: example i (in input order) goes to
 * partition i mod P and keeps its place there, whatever order the shuffle delivers it in. Cached, so every step
 * reads the same shards.
 */
public final class ShardedData<E extends Serializable> implements Serializable {
    private final transient JavaRDD<E> shards;
    private final int partitions;
    private final long count;

    private ShardedData(JavaRDD<E> shards, int partitions, long count) {
        this.shards = shards;
        this.partitions = partitions;
        this.count = count;
    }

    public static <E extends Serializable> ShardedData<E> of(JavaRDD<E> data, int partitions) {
        JavaRDD<E> shards = data.zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2(), t._1()))
                .partitionBy(new ModuloPartitioner(partitions))
                .mapPartitions(it -> {
                    List<Tuple2<Long, E>> rows = new ArrayList<>();
                    it.forEachRemaining(rows::add);
                    rows.sort(Comparator.comparingLong(Tuple2::_1));
                    return rows.stream().map(Tuple2::_2).iterator();
                }, true)
                .persist(StorageLevel.MEMORY_AND_DISK());
        return new ShardedData<>(shards, partitions, shards.count());
    }

    /**
     * Data already spread as it should be (for example {@code parallelize} of a list in P even slices, then a map that
     * keeps one output per input), which its caller has persisted and counted in a job of its own (PPO: the job that
     * sums the rollouts' statistics computes and caches them). Taken as it is: the shuffle of {@link #of} would compute
     * a costly parent a second time to number its rows, and a count here would be a second job.
     */
    public static <E extends Serializable> ShardedData<E> ofCached(JavaRDD<E> persisted, long count) {
        if (persisted.getStorageLevel().equals(StorageLevel.NONE())) {
            throw new IllegalArgumentException("ofCached needs a persisted RDD: every step reads the same shards");
        }
        return new ShardedData<>(persisted, persisted.getNumPartitions(), count);
    }

    public JavaRDD<E> rdd() {
        return shards;
    }

    public int partitions() {
        return partitions;
    }

    public long count() {
        return count;
    }

    public void release() {
        shards.unpersist(false);
    }

    /** Row i to partition i mod P. */
    static final class ModuloPartitioner extends Partitioner {
        private final int n;

        ModuloPartitioner(int n) {
            this.n = n;
        }

        @Override
        public int numPartitions() {
            return n;
        }

        @Override
        public int getPartition(Object key) {
            return (int) Math.floorMod((Long) key, (long) n);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ModuloPartitioner p && p.n == n;
        }

        @Override
        public int hashCode() {
            return n;
        }
    }
}
