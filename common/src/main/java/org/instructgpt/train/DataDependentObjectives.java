package org.instructgpt.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Trainers' objectives made on the driver from a summary of every partition's rows ({@link RowSummary}), summed in
 * partition order, so that they do not depend on which task finished first. Over the socket exchange the summaries
 * travel in the stretch's own job, before its first step: the rows are made (PPO: rolled out), summarised and trained
 * on in one task, one Spark job instead of two. Over jobs they are collected by a job of their own.
 */
public final class DataDependentObjectives<E extends Serializable, S extends Serializable> {
    private final RowSummary<E, S> summary;
    private final Function<List<S>, List<TrainingObjective<E>>> make;
    private boolean applied;

    /**
     * @param make on the driver: one objective per trainer (in the trainers' order) from the partitions' summaries
     *             (in partition order)
     */
    public DataDependentObjectives(RowSummary<E, S> summary, Function<List<S>, List<TrainingObjective<E>>> make) {
        this.summary = summary;
        this.make = make;
    }

    RowSummary<E, S> summary() {
        return summary;
    }

    boolean applied() {
        return applied;
    }

    /** Makes the objectives of {@code parts} and gives each trainer its own, with {@code data}. */
    void apply(List<DataParallelTrainer<E>> trainers, ShardedData<E> data, List<S> parts) {
        List<TrainingObjective<E>> objectives = make.apply(parts);
        if (objectives.size() != trainers.size()) {
            throw new IllegalStateException(objectives.size() + " objectives for " + trainers.size() + " trainers");
        }
        for (int k = 0; k < trainers.size(); k++) {
            trainers.get(k).use(data, objectives.get(k));
        }
        applied = true;
    }

    /** The partitions' summaries by a job of their own, in partition order. */
    List<S> collect(ShardedData<E> data) {
        RowSummary<E, S> s = summary;
        return new ArrayList<>(data.rdd().mapPartitions(it -> {
            List<E> rows = new ArrayList<>();
            it.forEachRemaining(rows::add);
            return List.of(s.of(rows)).iterator();
        }).collect());
    }

    /** Applies the summaries of a job of their own, unless the exchange already did. */
    void applyByJob(List<DataParallelTrainer<E>> trainers, ShardedData<E> data) {
        if (!applied) {
            apply(trainers, data, collect(data));
        }
    }
}
