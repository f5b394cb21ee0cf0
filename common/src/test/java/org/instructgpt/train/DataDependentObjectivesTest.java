package org.instructgpt.train;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.instructgpt.train.SocketExchangeTest.JOB;
import static org.instructgpt.train.SocketExchangeTest.data;
import static org.instructgpt.train.SocketExchangeTest.lm;
import static org.instructgpt.train.SocketExchangeTest.sc;
import static org.instructgpt.train.SocketExchangeTest.trainer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Objectives made from a summary of the rows ({@link DataDependentObjectives}), as PPO makes its policy loss from the
 * rollouts' statistics: the driver gets every partition's summary in partition order, the tasks train with the
 * objectives made of them, and the parameters are those of the same objectives given up front, bit for bit, over the
 * socket, through memory and by jobs. Over the exchange the summaries and the steps are one Spark job. A task that
 * fails before its summary or in the middle of the steps is retried with the same result, and a stall before the
 * summaries falls back to a job for them.
 */
class DataDependentObjectivesTest {
    /** The totals the objectives the tasks trained with were made of (tasks run in this JVM in local mode). */
    static final Set<Long> TRAINED_WITH = ConcurrentHashMap.newKeySet();
    static final AtomicBoolean SUMMARY_FAILED = new AtomicBoolean();

    @BeforeAll
    static void setUp() {
        SocketExchangeTest.data();
    }

    @AfterAll
    static void release() {
        SocketExchangeTest.release();
    }

    static List<ExchangeSettings> all() {
        return List.of(SocketExchangeTest.SOCKET, SocketExchangeTest.MEMORY, JOB);
    }

    /** The language-model objective, which remembers on the task the total it was made of. */
    record MadeOf(long total, TrainingObjective<TokenizedExample> inner) implements TrainingObjective<TokenizedExample> {
        @Override
        public LossSum accumulate(Gpt2Model model, List<TokenizedExample> micro, ForwardMode mode) {
            TRAINED_WITH.add(total);
            return inner.accumulate(model, micro, mode);
        }

        @Override
        public LossSum evaluate(Gpt2Model model, List<TokenizedExample> micro) {
            return inner.evaluate(model, micro);
        }

        @Override
        public int paddedLength(TokenizedExample e) {
            return inner.paddedLength(e);
        }
    }

    /** Tokens of a partition's rows; partition 1's first attempt fails instead when {@code failing}. */
    static RowSummary<TokenizedExample, Long> tokens(boolean failing) {
        return rows -> {
            org.apache.spark.TaskContext tc = org.apache.spark.TaskContext.get();
            if (failing && tc.partitionId() == 1 && tc.attemptNumber() == 0 && !SUMMARY_FAILED.getAndSet(true)) {
                throw new IllegalStateException("simulated executor loss while rolling out");
            }
            return rows.stream().mapToLong(TokenizedExample::length).sum();
        };
    }

    /** Each partition's tokens, in partition order, read directly. */
    static List<Long> expectedSummaries(ShardedData<TokenizedExample> d) {
        List<Long> out = new ArrayList<>();
        for (List<TokenizedExample> part : d.rdd().glom().collect()) {
            out.add(part.stream().mapToLong(TokenizedExample::length).sum());
        }
        return out;
    }

    /** Runs 3 steps of a trainer whose objective is made from the summaries; the summaries the driver got. */
    static List<Long> run(DataParallelTrainer<TokenizedExample> t, ShardedData<TokenizedExample> d,
                          RowSummary<TokenizedExample, Long> summary, TrainingObjective<TokenizedExample> inner) {
        List<Long> got = new ArrayList<>();
        DataParallelTrainer.runTogether(List.of(t), d, new DataDependentObjectives<>(summary, parts -> {
            got.addAll(parts);
            return List.of(new MadeOf(parts.stream().mapToLong(Long::longValue).sum(), inner));
        }), 3, r -> { });
        return got;
    }

    /** Spark jobs started while {@code body} ran. */
    static int jobsDuring(Runnable body) {
        AtomicInteger jobs = new AtomicInteger();
        SparkListener l = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart e) {
                jobs.incrementAndGet();
            }
        };
        sc.sc().addSparkListener(l);
        try {
            body.run();
            sc.sc().listenerBus().waitUntilEmpty();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e);
        } finally {
            sc.sc().removeSparkListener(l);
        }
        return jobs.get();
    }

    @ParameterizedTest
    @MethodSource("all")
    void theTasksTrainWithObjectivesMadeOfEveryPartitionsSummaryInOrder(ExchangeSettings link) {
        List<Long> expected = expectedSummaries(data);
        DataParallelTrainer<TokenizedExample> upFront = trainer(data, lm(), JOB);
        SocketExchangeTest.run(upFront, 3, 3);
        TRAINED_WITH.clear();
        DataParallelTrainer<TokenizedExample> made = trainer(data, lm(), link);
        List<Long> got = new ArrayList<>();
        int jobs = jobsDuring(() -> got.addAll(run(made, data, tokens(false), lm())));
        assertEquals(expected, got);
        assertEquals(Set.of(expected.get(0) + expected.get(1)), TRAINED_WITH);
        // Over the exchange, the summaries and the three steps are one job; by jobs, one for the summaries and one a step.
        assertEquals(link.mode() == ExchangeSettings.Mode.JOB ? 4 : 1, jobs);
        assertEquals(3, made.step());
        assertArrayEquals(upFront.model().params().flat().toFloatVector(), made.model().params().flat().toFloatVector());
    }

    @ParameterizedTest
    @MethodSource("org.instructgpt.train.SocketExchangeTest#links")
    void aTaskFailingBeforeItsSummaryIsRetriedWithTheSameResult(ExchangeSettings link) {
        DataParallelTrainer<TokenizedExample> clean = trainer(data, lm(), JOB);
        run(clean, data, tokens(false), lm());
        SUMMARY_FAILED.set(false);
        DataParallelTrainer<TokenizedExample> retried = trainer(data, lm(), link);
        List<Long> got = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofMinutes(2),
                () -> run(retried, data, tokens(true), lm()));
        assertTrue(SUMMARY_FAILED.get(), "the failure was injected");
        assertEquals(expectedSummaries(data), got);
        assertArrayEquals(clean.model().params().flat().toFloatVector(), retried.model().params().flat().toFloatVector());
        SocketExchangeTest.assertNoJobLeft();
    }

    @ParameterizedTest
    @MethodSource("org.instructgpt.train.SocketExchangeTest#links")
    void aTaskFailingInTheStepsRejoinsAfterItsSummaryWithTheSameResult(ExchangeSettings link) {
        // The retried attempt sends its summary again, which the driver, having every summary, skips.
        DataParallelTrainer<TokenizedExample> clean = trainer(data, lm(), JOB);
        run(clean, data, tokens(false), lm());
        DataParallelTrainerTest.FailOnceObjective.reset();
        DataParallelTrainer<TokenizedExample> retried = trainer(data, lm(), link);
        run(retried, data, tokens(false), new DataParallelTrainerTest.FailOnceObjective(3));
        assertTrue(DataParallelTrainerTest.FAILED.get(), "the failure was injected");
        assertArrayEquals(clean.model().params().flat().toFloatVector(), retried.model().params().flat().toFloatVector());
        SocketExchangeTest.assertNoJobLeft();
    }

    @Test
    void fewerSlotsThanPartitionsMakeTheObjectivesByAJob() {
        // Four partitions on two slots: the exchange stalls waiting for the summaries of partitions 2 and 3.
        ShardedData<TokenizedExample> four = ShardedData.of(sc.parallelize(DataParallelTrainerTest.examples, 3), 4);
        try {
            DataParallelTrainer<TokenizedExample> jobs = trainer(four, lm(), JOB);
            DataParallelTrainer<TokenizedExample> stalled = trainer(four, lm(),
                    SocketExchangeTest.SOCKET.withTimeout(Duration.ofSeconds(2)));
            List<Long> byJobs = run(jobs, four, tokens(false), lm());
            assertEquals(expectedSummaries(four), run(stalled, four, tokens(false), lm()));
            assertEquals(expectedSummaries(four), byJobs);
            assertArrayEquals(jobs.model().params().flat().toFloatVector(), stalled.model().params().flat().toFloatVector());
        } finally {
            four.release();
        }
    }
}
