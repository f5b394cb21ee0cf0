package org.instructgpt.train;

import java.io.Serializable;
import java.util.List;

/**
 * What a partition's task tells the driver about its rows before the first step of a stretch, when the trainers'
 * objectives depend on the data as a whole (PPO whitens the advantages with the statistics of every rollout of the
 * iteration). Run on the task, over the partition's rows in their order.
 */
@FunctionalInterface
public interface RowSummary<E, S extends Serializable> extends Serializable {
    S of(List<E> rows);
}
