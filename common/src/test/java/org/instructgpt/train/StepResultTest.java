package org.instructgpt.train;

import org.instructgpt.train.DataParallelTrainer.StepResult;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StepResultTest {
    private static StepResult computed(double seconds) {
        return new StepResult(1, 0.5, 10, 1, 1e-3, seconds, seconds, MetricSums.NONE);
    }

    @Test
    void trainersSteppedTogetherShareTheRestOfTheWallTimeEquallyAndAddUpToIt() {
        List<StepResult> r = StepResult.sharingOverhead(List.of(computed(1.0), computed(2.0)), 4.5);
        assertEquals(1.75, r.get(0).seconds(), 1e-12);
        assertEquals(2.75, r.get(1).seconds(), 1e-12);
        assertEquals(1.0, r.get(0).computeSeconds(), 1e-12);
        assertEquals(0.75 / 2.75, r.get(1).overheadShare(), 1e-12);
    }

    @Test
    void aWallTimeShorterThanTheComputeLeavesNoOverhead() {
        List<StepResult> r = StepResult.sharingOverhead(List.of(computed(1.0), computed(2.0)), 2.5);
        assertEquals(1.0, r.get(0).seconds(), 1e-12);
        assertEquals(0, r.get(1).overheadShare(), 1e-12);
    }
}
