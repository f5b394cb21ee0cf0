package org.instructgpt.train;

/** The learning rate of step {@code step} (counted from 0) as a factor of the peak rate. */
@FunctionalInterface
public interface LearningRateSchedule {
    double factor(long step);

    static LearningRateSchedule constant() {
        return step -> 1.0;
    }

    /** Linear warm-up over {@code warmup} steps, then constant. */
    static LearningRateSchedule warmupConstant(long warmup) {
        return step -> step < warmup ? (step + 1.0) / warmup : 1.0;
    }

    /** Linear warm-up, then cosine decay from 1 to {@code floor} at step {@code total}, then {@code floor}. */
    static LearningRateSchedule warmupCosine(long warmup, long total, double floor) {
        return step -> {
            if (step < warmup) {
                return (step + 1.0) / warmup;
            }
            double progress = Math.min(1.0, (double) (step - warmup) / Math.max(1, total - warmup));
            return floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    }
}
