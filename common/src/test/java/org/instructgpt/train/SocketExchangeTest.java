package org.instructgpt.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.instructgpt.train.DataParallelTrainerTest.OPT;
import static org.instructgpt.train.DataParallelTrainerTest.freshModel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exchange against a Spark job per step, in local[2,2] (two slots, a failed task retried once), with the tasks
 * joining through the loopback socket and through memory: the same parameters and losses bit for bit, also when a
 * task fails in the middle or after its last result, when there are fewer slots than partitions (it falls back to
 * jobs) and when two trainers step together. A refused step leaves no job behind.
 */
class SocketExchangeTest {
    static final ExchangeSettings SOCKET = ExchangeSettings.DEFAULT.withTimeout(Duration.ofSeconds(5)).withInMemory(false);
    static final ExchangeSettings MEMORY = SOCKET.withInMemory(true);
    static final ExchangeSettings JOB = SOCKET.withMode(ExchangeSettings.Mode.JOB);
    static JavaSparkContext sc;
    static ShardedData<TokenizedExample> data;

    @BeforeAll
    static void data() {
        DataParallelTrainerTest.buildExamples();
        sc = JavaSparkContext.fromSparkContext(org.instructgpt.SparkTestSession.get().sparkContext());
        data = ShardedData.of(sc.parallelize(DataParallelTrainerTest.examples, 3), 2);
    }

    @AfterAll
    static void release() {
        data.release();
    }

    static DataParallelTrainer<TokenizedExample> trainer(ShardedData<TokenizedExample> d, TrainingObjective<TokenizedExample> obj,
                                                         ExchangeSettings ex) {
        return new DataParallelTrainer<>(sc, d, obj, freshModel(), OPT, 13).exchange(ex);
    }

    static LanguageModelObjective lm() {
        return new LanguageModelObjective(ByteLevelTokenizer.PAD);
    }

    /** Runs {@code steps} steps in chunks of {@code chunk}; the losses of every step. */
    static List<Double> run(DataParallelTrainer<TokenizedExample> t, int steps, int chunk) {
        List<Double> losses = new ArrayList<>();
        while (t.step() < steps) {
            t.runSteps((int) Math.min(chunk, steps - t.step()), r -> losses.add(r.loss()));
        }
        return losses;
    }

    static List<ExchangeSettings> links() {
        return List.of(SOCKET, MEMORY);
    }

    @ParameterizedTest
    @MethodSource("links")
    void socketStepsGiveTheParametersAndLossesOfAJobPerStep(ExchangeSettings link) {
        DataParallelTrainer<TokenizedExample> jobs = trainer(data, lm(), JOB);
        DataParallelTrainer<TokenizedExample> socket = trainer(data, lm(), link);
        int joins = DriverExchange.MEMORY_JOINS.get();
        List<Double> byJob = run(jobs, 5, 5);
        List<Double> bySocket = run(socket, 5, 3);
        // Two stretches of steps (3 and 2), each joined by both partitions' tasks through memory, or none.
        assertEquals(link.inMemory() ? 4 : 0, DriverExchange.MEMORY_JOINS.get() - joins);
        assertEquals(byJob, bySocket);
        assertEquals(5, socket.step());
        assertArrayEquals(jobs.model().params().flat().toFloatVector(), socket.model().params().flat().toFloatVector());
        assertArrayEquals(jobs.optimizer().secondMoment().toFloatVector(), socket.optimizer().secondMoment().toFloatVector());
    }

    @ParameterizedTest
    @MethodSource("links")
    void aFailedTaskRejoinsTheExchangeWithTheSameResult(ExchangeSettings link) {
        DataParallelTrainer<TokenizedExample> clean = trainer(data, lm(), JOB);
        DataParallelTrainerTest.FailOnceObjective.reset();
        DataParallelTrainer<TokenizedExample> retried = trainer(data, new DataParallelTrainerTest.FailOnceObjective(),
                link);
        List<Double> a = run(clean, 4, 4);
        List<Double> b = run(retried, 4, 4);
        assertTrue(DataParallelTrainerTest.FAILED.get(), "the failure was injected");
        assertEquals(a, b);
        assertArrayEquals(clean.model().params().flat().toFloatVector(), retried.model().params().flat().toFloatVector());
    }

    @ParameterizedTest
    @MethodSource("links")
    void aTaskRetriedAfterItsLastResultIsToldTheStepsAreOver(ExchangeSettings link) {
        // Two micro-batches a step: call 8 is partition 1's last of four steps. Its task fails as it ends, after its
        // last result; the retried attempt joins when the driver has the steps it needs and must be let go at once.
        DataParallelTrainer<TokenizedExample> clean = trainer(data, lm(), JOB);
        DataParallelTrainerTest.FailOnceObjective.reset();
        DataParallelTrainer<TokenizedExample> retried = trainer(data,
                new DataParallelTrainerTest.FailOnceObjective(8, true), link);
        int joins = DriverExchange.MEMORY_JOINS.get();
        List<Double> a = run(clean, 4, 4);
        // A retried task nobody lets go would keep the job, and so the driver, waiting for ever.
        List<Double> b = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofMinutes(2),
                () -> run(retried, 4, 4));
        assertTrue(DataParallelTrainerTest.FAILED.get(), "the failure was injected");
        assertEquals(link.inMemory() ? 3 : 0, DriverExchange.MEMORY_JOINS.get() - joins, "two tasks and one retry");
        assertEquals(a, b);
        assertArrayEquals(clean.model().params().flat().toFloatVector(), retried.model().params().flat().toFloatVector());
        assertNoJobLeft();
    }

    @ParameterizedTest
    @MethodSource("links")
    void fewerSlotsThanPartitionsFallBackToJobsWithTheSameResult(ExchangeSettings link) {
        // Four partitions on two slots: two tasks wait for a slot that never frees, so the exchange stalls.
        ShardedData<TokenizedExample> four = ShardedData.of(sc.parallelize(DataParallelTrainerTest.examples, 3), 4);
        try {
            DataParallelTrainer<TokenizedExample> jobs = trainer(four, lm(), JOB);
            DataParallelTrainer<TokenizedExample> socket = trainer(four, lm(),
                    link.withTimeout(Duration.ofSeconds(2)));
            assertEquals(run(jobs, 3, 3), run(socket, 3, 3));
            assertArrayEquals(jobs.model().params().flat().toFloatVector(), socket.model().params().flat().toFloatVector());
        } finally {
            four.release();
        }
    }

    @ParameterizedTest
    @MethodSource("links")
    void trainersSteppedTogetherOverTheSocketTakeTheirOwnSteps(ExchangeSettings link) {
        DataParallelTrainer<TokenizedExample> a = trainer(data, lm(), link);
        Gpt2Model other = Gpt2Model.create(DataParallelTrainerTest.CFG, DataType.FLOAT, false);
        other.initialize(6);
        DataParallelTrainer<TokenizedExample> b = new DataParallelTrainer<>(sc, data, lm(), other, OPT, 12)
                .exchange(link);
        DataParallelTrainer<TokenizedExample> aAlone = trainer(data, lm(), JOB);
        Gpt2Model other2 = Gpt2Model.create(DataParallelTrainerTest.CFG, DataType.FLOAT, false);
        other2.initialize(6);
        DataParallelTrainer<TokenizedExample> bAlone = new DataParallelTrainer<>(sc, data, lm(), other2, OPT, 12)
                .exchange(JOB);
        List<Long> steps = new ArrayList<>();
        DataParallelTrainer.runTogether(List.of(a, b), 3, r -> steps.add(r.get(1).step()));
        run(aAlone, 3, 1);
        run(bAlone, 3, 1);
        assertEquals(List.of(1L, 2L, 3L), steps);
        assertArrayEquals(aAlone.model().params().flat().toFloatVector(), a.model().params().flat().toFloatVector());
        assertArrayEquals(bAlone.model().params().flat().toFloatVector(), b.model().params().flat().toFloatVector());
    }

    @ParameterizedTest
    @MethodSource("links")
    void aTaskFailingInTheSecondTrainersShareRejoinsInThePipeline(ExchangeSettings link) {
        // Two micro-batches a step: call 3 is the second trainer's share of the second step, while the first
        // trainer's third step is already on its way to the tasks.
        DataParallelTrainerTest.FailOnceObjective.reset();
        Gpt2Model other = Gpt2Model.create(DataParallelTrainerTest.CFG, DataType.FLOAT, false);
        other.initialize(6);
        DataParallelTrainer<TokenizedExample> a = trainer(data, lm(), link);
        DataParallelTrainer<TokenizedExample> b = new DataParallelTrainer<>(sc, data, new DataParallelTrainerTest.FailOnceObjective(3), other, OPT, 12)
                .exchange(link);
        Gpt2Model other2 = Gpt2Model.create(DataParallelTrainerTest.CFG, DataType.FLOAT, false);
        other2.initialize(6);
        DataParallelTrainer<TokenizedExample> aAlone = trainer(data, lm(), JOB);
        DataParallelTrainer<TokenizedExample> bAlone = new DataParallelTrainer<>(sc, data, lm(), other2, OPT, 12)
                .exchange(JOB);
        DataParallelTrainer.runTogether(List.of(a, b), 4, r -> { });
        assertTrue(DataParallelTrainerTest.FAILED.get(), "the failure was injected");
        run(aAlone, 4, 1);
        run(bAlone, 4, 1);
        assertArrayEquals(aAlone.model().params().flat().toFloatVector(), a.model().params().flat().toFloatVector());
        assertArrayEquals(bAlone.model().params().flat().toFloatVector(), b.model().params().flat().toFloatVector());
    }

    @Test
    void parametersLargerThanTheSocketsBuffersDoNotStallTwoTrainers() {
        // 4.8M parameters: 19 MB a message, more than loopback's socket buffers hold. Written by the driver's own
        // thread, a task's first two messages and its first result waited for each other forever (found at config M).
        org.instructgpt.model.GptConfig big = org.instructgpt.model.GptConfig.of(ByteLevelTokenizer.VOCAB, 48, 256, 6, 4);
        List<DataParallelTrainer<TokenizedExample>> pair = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            Gpt2Model m = Gpt2Model.create(big, DataType.FLOAT, false);
            m.initialize(20 + k);
            pair.add(new DataParallelTrainer<>(sc, data, lm(), m, OPT, 30 + k).exchange(SOCKET));
        }
        List<Long> steps = new ArrayList<>();
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofMinutes(2),
                () -> DataParallelTrainer.runTogether(pair, 2, r -> steps.add(r.get(1).step())));
        assertEquals(List.of(1L, 2L), steps);
        assertNoJobLeft();
    }

    @ParameterizedTest
    @MethodSource("links")
    void aNonFiniteStepIsRefusedAndLeavesNoJobRunning(ExchangeSettings link) {
        Gpt2Model m = freshModel();
        m.params().get("transformer.ln_f.weight").putScalar(0, Float.NaN);
        float[] before = m.params().flat().toFloatVector();
        DataParallelTrainer<TokenizedExample> t = new DataParallelTrainer<>(sc, data, lm(), m, OPT, 1).exchange(link);
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> t.runSteps(3, r -> { }));
        assertTrue(e.getMessage().startsWith("step 0, partition 0: the loss is NaN"), e.getMessage());
        assertArrayEquals(before, m.params().flat().toFloatVector());
        assertEquals(0, t.step());
        assertNoJobLeft();
    }

    @ParameterizedTest
    @MethodSource("links")
    void aFailingCallbackStopsTheStepsAndTheJob(ExchangeSettings link) {
        DataParallelTrainer<TokenizedExample> t = trainer(data, lm(), link);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.runSteps(4, r -> {
            if (r.step() == 2) {
                throw new IllegalStateException("the disk is full");
            }
        }));
        assertEquals("the disk is full", e.getMessage());
        assertEquals(2, t.step());
        assertNoJobLeft();
    }

    @Test
    void aTaskThatCannotReachTheDriverSaysWhatToSet() throws Exception {
        int closedPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        ExchangeTask<TokenizedExample> task = new ExchangeTask<>(new ExchangeTask.Address("127.0.0.1", closedPort, 1L),
                List.of(trainer(data, lm(), SOCKET).shardOf()));
        Exception e = assertThrows(Exception.class, () -> data.rdd().foreachPartition(task));
        assertTrue(org.apache.commons.lang3.exception.ExceptionUtils.getStackTrace(e).contains(
                "could not reach the driver's gradient exchange at 127.0.0.1:" + closedPort), e.getMessage());
        assertTrue(e.getMessage().contains("instructgpt.train.exchange.mode = job"), e.getMessage());
    }

    static void assertNoJobLeft() {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (sc.statusTracker().getActiveJobIds().length > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(0, sc.statusTracker().getActiveJobIds().length, "the exchange's job was not ended");
    }
}
