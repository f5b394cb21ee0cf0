package org.instructgpt.train;

import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Model;

import java.io.Serializable;
import java.util.List;

/**
 * The loss of one stage on a micro-batch of its examples (LM, reward model, PPO). {@link #accumulate} adds the
 * gradient of the <em>summed</em> (not averaged) loss to the model's gradient buffer; the trainer divides by the
 * global batch's total weight, so any split of the batch over partitions and micro-batches gives the same update.
 */
public interface TrainingObjective<E> extends Serializable {
    /** Forward and backward; returns the summed loss and its weight (for example the number of predicted tokens). */
    LossSum accumulate(Gpt2Model model, List<E> microBatch, ForwardMode mode);

    /** Forward only (validation). */
    LossSum evaluate(Gpt2Model model, List<E> microBatch);

    /**
     * The length an example pads its micro-batch to (its longest sequence, in tokens), or 0 where all are alike. The
     * trainer orders each step's examples by it before cutting them into micro-batches, so that examples of similar
     * length share one and little of it is padding; the step's summed gradient does not depend on the cut.
     */
    default int paddedLength(E example) {
        return 0;
    }

    /** What the weight counts, for progress lines and metrics ("tokens" predicted; the reward model's "comparisons"). */
    default String unit() {
        return "tokens";
    }

    /** A summed loss, the weight it is a sum over, and the objective's own metrics (as sums). */
    record LossSum(double loss, double weight, MetricSums metrics) implements Serializable {
        public LossSum(double loss, double weight) {
            this(loss, weight, MetricSums.NONE);
        }

        public LossSum plus(LossSum o) {
            return new LossSum(loss + o.loss, weight + o.weight, metrics.plus(o.metrics));
        }

        public double mean() {
            return weight == 0 ? Double.NaN : loss / weight;
        }
    }
}
