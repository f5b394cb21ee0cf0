package org.instructgpt.train;

import com.typesafe.config.Config;

import java.io.Serializable;

/**
 * The optimisation of a stage: global batch (examples per step, split evenly over the partitions), micro-batch
 * (examples per forward/backward, bounding memory), AdamW (the paper's beta2 = 0.95), clipping and the schedule.
 */
public record OptimizerSettings(int batchSize, int microBatch, long steps, double learningRate, String schedule,
                                long warmupSteps, double lrFloor, double beta1, double beta2, double eps,
                                double weightDecay, double clipNorm) implements Serializable {

    public static OptimizerSettings from(Config c) {
        return new OptimizerSettings(c.getInt("batch-size"), c.getInt("micro-batch"), c.getLong("steps"),
                c.getDouble("learning-rate"), c.getString("schedule"), c.getLong("warmup-steps"), c.getDouble("lr-floor"),
                c.getDouble("beta1"), c.getDouble("beta2"), c.getDouble("eps"), c.getDouble("weight-decay"),
                c.getDouble("clip-norm"));
    }

    public OptimizerSettings withSteps(long n) {
        return new OptimizerSettings(batchSize, microBatch, n, learningRate, schedule, warmupSteps, lrFloor, beta1, beta2,
                eps, weightDecay, clipNorm);
    }

    public OptimizerSettings withClipNorm(double c) {
        return new OptimizerSettings(batchSize, microBatch, steps, learningRate, schedule, warmupSteps, lrFloor, beta1, beta2,
                eps, weightDecay, c);
    }

    public LearningRateSchedule lrSchedule() {
        return switch (schedule) {
            case "constant" -> LearningRateSchedule.warmupConstant(Math.max(1, warmupSteps));
            case "cosine" -> LearningRateSchedule.warmupCosine(Math.max(1, warmupSteps), steps, lrFloor);
            default -> throw new IllegalArgumentException("unknown schedule '" + schedule + "' (constant or cosine)");
        };
    }
}
