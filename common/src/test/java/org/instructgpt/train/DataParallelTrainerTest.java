package org.instructgpt.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.instructgpt.SparkTestSession;
import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataParallelTrainerTest {
    static final GptConfig CFG = GptConfig.of(ByteLevelTokenizer.VOCAB, 48, 32, 2, 2);
    static final OptimizerSettings OPT = new OptimizerSettings(8, 2, 3, 3e-3, "cosine", 1, 0.1, 0.9, 0.95, 1e-8, 0.1, 1.0);
    static List<TokenizedExample> examples;
    static ShardedData<TokenizedExample> data;
    static JavaSparkContext sc;

    static void buildExamples() {
        ExampleEncoder enc = new ExampleEncoder(new ByteLevelTokenizer(), 48);
        examples = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            examples.add(enc.demonstration("Q" + i + ": what is " + i + " + " + i + "?", " " + (2 * i)));
        }
    }

    @BeforeAll
    static void data() {
        buildExamples();
        sc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
        data = ShardedData.of(sc.parallelize(examples, 3), 2);
    }

    @AfterAll
    static void release() {
        data.release();
    }

    static Gpt2Model freshModel() {
        Gpt2Model m = Gpt2Model.create(CFG, DataType.FLOAT, false);
        m.initialize(5);
        return m;
    }

    @Test
    void shardsAreDeterministicModuloPartitions() {
        List<List<TokenizedExample>> parts = data.rdd().glom().collect();
        assertEquals(2, parts.size());
        for (int p = 0; p < 2; p++) {
            List<TokenizedExample> part = parts.get(p);
            for (int j = 0; j < part.size(); j++) {
                assertArrayEquals(examples.get(2 * j + p).ids(), part.get(j).ids());
            }
        }
    }

    @Test
    void cachedDataMustBePersisted() {
        org.apache.spark.api.java.JavaRDD<TokenizedExample> plain = data.rdd().map(e -> e);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShardedData.ofCached(plain, examples.size()));
        assertTrue(e.getMessage().contains("persisted"), e.getMessage());
        ShardedData<TokenizedExample> cached = ShardedData.ofCached(
                plain.persist(org.apache.spark.storage.StorageLevel.MEMORY_ONLY()), examples.size());
        assertEquals(2, cached.partitions());
        assertEquals(examples.size(), cached.count());
        cached.release();
    }

    /**
     * One process, no Spark, on the same global batch: each partition's share in the same micro-batches, the shares'
     * gradients summed in partition order, then the same clipping and AdamW. Spark must not change the result.
     */
    @Test
    void twoPartitionsComputeTheSameUpdateAsOneProcessOnTheSameBatch() {
        DataParallelTrainer<TokenizedExample> t = new DataParallelTrainer<>(sc, data, new LanguageModelObjective(ByteLevelTokenizer.PAD),
                freshModel(), OPT, 9);
        Gpt2Model ref = freshModel();
        Gpt2Model worker = freshModel();
        AdamW adam = new AdamW(ref.params().flat(), 0.9, 0.95, 1e-8, 0.1, null);
        LanguageModelObjective obj = new LanguageModelObjective(ByteLevelTokenizer.PAD);
        List<List<TokenizedExample>> shards = List.of(everyOther(0), everyOther(1));
        for (long step = 0; step < 3; step++) {
            DataParallelTrainer.StepResult r = t.runStep();
            INDArray g = ref.params().flat().ulike().assign(0);
            double weight = 0;
            for (int p = 0; p < 2; p++) {
                worker.params().flat().assign(ref.params().flat());
                worker.grads().zero();
                List<TokenizedExample> share = new ArrayList<>(EpochSampler.select(shards.get(p), 9, p, step, 4));
                // The trainer cuts micro-batches from the step's examples ordered by length (less padding).
                share.sort(java.util.Comparator.comparingInt(TokenizedExample::length));
                for (int k = 0; k < 2; k++) {
                    weight += obj.accumulate(worker, share.subList(2 * k, 2 * k + 2), ForwardMode.train(0)).weight();
                }
                g.addi(worker.grads().flat());
            }
            g.divi(weight);
            GradientClipping.clipGlobalNorm(g, 1.0);
            adam.step(ref.params().flat(), g, 3e-3 * OPT.lrSchedule().factor(step));
            assertEquals(weight, r.weight());
        }
        INDArray a = t.model().params().flat();
        INDArray b = ref.params().flat();
        double rel = a.sub(b).amaxNumber().doubleValue() / b.amaxNumber().doubleValue();
        // The two sum, divide and clip in float in different orders. Where a gradient is near 0 (biases that start at
        // 0), AdamW's step is about lr g / eps and magnifies those last bits: the largest differences, about 2e-6,
        // are in parameters of size 1e-6. A wrong weight or a lost micro-batch moves every parameter by about lr.
        assertTrue(rel < 1e-5, "parameters differ by " + rel + " of the largest");
    }

    /** Partitions and micro-batches compute the mean gradient of the whole batch (checked in double precision). */
    @Test
    void theAveragedGradientIsTheWholeBatchGradient() {
        DataParallelTrainer<TokenizedExample> t = new DataParallelTrainer<>(sc, data, new LanguageModelObjective(ByteLevelTokenizer.PAD),
                freshModel(), OPT.withClipNorm(0), 9);
        t.runStep();
        Gpt2Model ref = Gpt2Model.create(CFG, DataType.DOUBLE, false);
        ref.params().flat().assign(freshModel().params().flat().castTo(DataType.DOUBLE));
        List<TokenizedExample> batch = new ArrayList<>(EpochSampler.select(everyOther(0), 9, 0, 0, 4));
        batch.addAll(EpochSampler.select(everyOther(1), 9, 1, 0, 4));
        ref.grads().zero();
        TrainingObjective.LossSum ls = new LanguageModelObjective(ByteLevelTokenizer.PAD).accumulate(ref, batch, ForwardMode.train(0));
        INDArray expected = ref.grads().flat().div(ls.weight());
        INDArray actual = t.lastGradient().castTo(DataType.DOUBLE);
        double rel = actual.sub(expected).amaxNumber().doubleValue() / expected.amaxNumber().doubleValue();
        assertTrue(rel < 1e-5, "gradient differs by " + rel + " of its largest entry");
    }

    private static List<TokenizedExample> everyOther(int p) {
        List<TokenizedExample> out = new ArrayList<>();
        for (int i = p; i < examples.size(); i += 2) {
            out.add(examples.get(i));
        }
        return out;
    }

    @Test
    void theSameSeedGivesBitIdenticalParameters() {
        float[][] runs = new float[2][];
        for (int run = 0; run < 2; run++) {
            DataParallelTrainer<TokenizedExample> t = new DataParallelTrainer<>(sc, data,
                    new LanguageModelObjective(ByteLevelTokenizer.PAD), freshModel(), OPT, 11);
            for (int s = 0; s < 3; s++) {
                t.runStep();
            }
            runs[run] = t.model().params().flat().toFloatVector();
        }
        assertArrayEquals(runs[0], runs[1]);
    }

    @Test
    void trainersSteppedTogetherInOneJobTakeTheStepsTheyTakeAlone() {
        float[][][] params = new float[2][2][];
        for (int together = 0; together < 2; together++) {
            Gpt2Model other = Gpt2Model.create(CFG, DataType.FLOAT, false);
            other.initialize(6);
            DataParallelTrainer<TokenizedExample> a = new DataParallelTrainer<>(sc, data,
                    new LanguageModelObjective(ByteLevelTokenizer.PAD), freshModel(), OPT, 11);
            DataParallelTrainer<TokenizedExample> b = new DataParallelTrainer<>(sc, data,
                    new LanguageModelObjective(ByteLevelTokenizer.PAD), other, OPT, 12);
            for (int s = 0; s < 3; s++) {
                if (together == 1) {
                    List<DataParallelTrainer.StepResult> r = DataParallelTrainer.runTogether(List.of(a, b));
                    assertEquals(s + 1, r.get(0).step());
                    assertEquals(s + 1, r.get(1).step());
                } else {
                    a.runStep();
                    b.runStep();
                }
            }
            params[together][0] = a.model().params().flat().toFloatVector();
            params[together][1] = b.model().params().flat().toFloatVector();
        }
        assertArrayEquals(params[0][0], params[1][0]);
        assertArrayEquals(params[0][1], params[1][1]);
        assertFalse(java.util.Arrays.equals(params[0][0], params[0][1]), "two different models");
    }

    @Test
    void aRetriedTaskReturnsTheSameGradient() {
        Gpt2Model m = freshModel();
        byte[] params = FloatBytes.toBytes(m.params().flat());
        GptConfig withDropout = CFG.withDropout(0.2);
        ModelSpec spec = new ModelSpec(withDropout.toJson(), false, org.nd4j.linalg.api.buffer.DataType.FLOAT,
                org.instructgpt.model.EngineKind.AUTO);
        LanguageModelObjective obj = new LanguageModelObjective(ByteLevelTokenizer.PAD);
        ShardResult a = PartitionShare.compute(1, everyOther(1), params, spec, obj, 3, 7, 4, 2);
        ShardResult b = PartitionShare.compute(1, everyOther(1), params, spec, obj, 3, 7, 4, 2);
        assertArrayEquals(a.gradient(), b.gradient());
        assertEquals(a.loss(), b.loss());
        ShardResult other = PartitionShare.compute(1, everyOther(1), params, spec, obj, 3, 8, 4, 2);
        assertTrue(!Arrays.equals(a.gradient(), other.gradient()), "another step draws other examples and masks");
    }

    @Test
    void aNonFiniteLossRefusesTheStepAndNamesIt() {
        Gpt2Model m = freshModel();
        m.params().get("transformer.ln_f.weight").putScalar(0, Float.NaN);
        float[] before = m.params().flat().toFloatVector();
        DataParallelTrainer<TokenizedExample> t = new DataParallelTrainer<>(sc, data,
                new LanguageModelObjective(ByteLevelTokenizer.PAD), m, OPT, 1);
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, t::runStep);
        assertTrue(e.getMessage().startsWith("step 0, partition 0: the loss is NaN"), e.getMessage());
        assertArrayEquals(before, m.params().flat().toFloatVector());
        assertEquals(0, t.step());
    }

    @Test
    void evaluationCoversEveryExampleOnce() {
        DataParallelTrainer<TokenizedExample> t = new DataParallelTrainer<>(sc, data,
                new LanguageModelObjective(ByteLevelTokenizer.PAD), freshModel(), OPT, 1);
        TrainingObjective.LossSum distributed = t.evaluate(data);
        TrainingObjective.LossSum local = new LanguageModelObjective(ByteLevelTokenizer.PAD).evaluate(freshModel(), examples);
        assertEquals(local.weight(), distributed.weight());
        assertEquals(local.mean(), distributed.mean(), 1e-5);
    }

    /**
     * Fails the first attempt of partition 1's task at its {@code failAt}-th micro-batch, counted in this JVM (a lost
     * executor, as Spark sees it); {@link #FAILED} says it did.
     */
    static final class FailOnceObjective implements TrainingObjective<TokenizedExample> {
        static final java.util.concurrent.atomic.AtomicInteger CALLS = new java.util.concurrent.atomic.AtomicInteger();
        private final LanguageModelObjective inner = new LanguageModelObjective(ByteLevelTokenizer.PAD);
        private final int failAt;
        private final boolean atTaskEnd;

        FailOnceObjective() {
            this(1);
        }

        FailOnceObjective(int failAt) {
            this(failAt, false);
        }

        /**
         * With {@code atTaskEnd}, the micro-batch goes through and the task fails when it ends, after it has delivered
         * every result it had (an executor lost at the very end of the job).
         */
        FailOnceObjective(int failAt, boolean atTaskEnd) {
            this.failAt = failAt;
            this.atTaskEnd = atTaskEnd;
        }

        /** Starts the count again, before a run that should fail once. */
        static void reset() {
            CALLS.set(0);
            FAILED.set(false);
        }

        @Override
        public LossSum accumulate(Gpt2Model model, List<TokenizedExample> micro, ForwardMode mode) {
            org.apache.spark.TaskContext tc = org.apache.spark.TaskContext.get();
            if (tc != null && tc.partitionId() == 1 && tc.stageAttemptNumber() == 0 && tc.attemptNumber() == 0
                    && CALLS.incrementAndGet() == failAt) {
                if (atTaskEnd) {
                    tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ended -> {
                        FAILED.set(true);
                        throw new IllegalStateException("simulated executor loss after the task's last result");
                    });
                } else {
                    FAILED.set(true);
                    throw new IllegalStateException("simulated executor loss");
                }
            }
            return inner.accumulate(model, micro, mode);
        }

        @Override
        public LossSum evaluate(Gpt2Model model, List<TokenizedExample> micro) {
            return inner.evaluate(model, micro);
        }

        @Override
        public int paddedLength(TokenizedExample example) {
            return inner.paddedLength(example);
        }
    }

    static final java.util.concurrent.atomic.AtomicBoolean FAILED = new java.util.concurrent.atomic.AtomicBoolean();

    @Test
    void aRetriedTaskInSparkGivesTheSameParameters() {
        DataParallelTrainer<TokenizedExample> clean = new DataParallelTrainer<>(sc, data,
                new LanguageModelObjective(ByteLevelTokenizer.PAD), freshModel(), OPT, 13);
        FailOnceObjective.reset();
        DataParallelTrainer<TokenizedExample> retried = new DataParallelTrainer<>(sc, data, new FailOnceObjective(),
                freshModel(), OPT, 13);
        for (int s = 0; s < 2; s++) {
            clean.runStep();
            retried.runStep();
        }
        assertTrue(FAILED.get(), "the failure was injected");
        assertArrayEquals(clean.model().params().flat().toFloatVector(), retried.model().params().flat().toFloatVector());
    }
}
