package org.instructgpt.train;

import java.io.Serializable;

/**
 * What one partition returns for one step: the gradient of its summed loss as little-endian float bytes (null if it
 * had no examples), the loss and its weight, how long the computation took, and what was wrong if the numbers are
 * not finite.
 */
record ShardResult(int partition, byte[] gradient, double loss, double weight, MetricSums metrics, double seconds,
                   String problem) implements Serializable {
}
