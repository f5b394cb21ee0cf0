package org.instructgpt.train;

import org.instructgpt.data.TokenizedExample;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

import static org.instructgpt.train.SocketExchangeTest.data;
import static org.instructgpt.train.SocketExchangeTest.lm;
import static org.instructgpt.train.SocketExchangeTest.sc;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The parameters a stretch of exchanged steps leaves on the executors ({@link ReplicaPool#keep}): a
 * {@link BroadcastModel} of the trainer at that step borrows them instead of fetching the broadcast, with the same bits;
 * another trainer's, or the same trainer's at another step, are never taken for them.
 */
class KeptReplicasTest {
    @BeforeAll
    static void setUp() {
        SocketExchangeTest.data();
    }

    @AfterAll
    static void release() {
        SocketExchangeTest.release();
    }

    static List<ExchangeSettings> links() {
        return SocketExchangeTest.links();
    }

    /** What each of two tasks borrowed from {@code bm}: its parameters. */
    private static List<float[]> borrowedOnTwoTasks(BroadcastModel bm) {
        return sc.parallelize(List.of(0, 1), 2).map(i -> {
            Gpt2Model m = bm.borrow();
            float[] f = m.params().flat().toFloatVector();
            bm.giveBack(m);
            return f;
        }).collect();
    }

    @ParameterizedTest
    @MethodSource("links")
    void rolloutsAfterAStretchBorrowEachTrainersFinalParametersWithoutTheBroadcast(ExchangeSettings link) {
        DataParallelTrainer<TokenizedExample> a = SocketExchangeTest.trainer(data, lm(), link);
        GptConfig c = DataParallelTrainerTest.CFG;
        // A model of another shape, as PPO's value model is: a task keeps the replica it computed each one's share with.
        Gpt2Model other = Gpt2Model.create(GptConfig.of(c.vocabSize, c.nPositions, c.nEmbd, c.nLayer + 1, c.nHead),
                DataType.FLOAT, false);
        other.initialize(6);
        DataParallelTrainer<TokenizedExample> b = new DataParallelTrainer<>(sc, data, lm(), other,
                DataParallelTrainerTest.OPT, 12).exchange(link);
        BroadcastModel before = BroadcastModel.of(sc, a);
        float[] initial = a.model().params().flat().toFloatVector();
        DataParallelTrainer.runTogether(List.of(a, b), 2, r -> { });

        int kept = BroadcastModel.KEPT_BORROWS.get();
        for (DataParallelTrainer<TokenizedExample> t : List.of(a, b)) {
            BroadcastModel bm = BroadcastModel.of(sc, t);
            for (float[] got : borrowedOnTwoTasks(bm)) {
                assertArrayEquals(t.model().params().flat().toFloatVector(), got);
            }
            bm.destroy();
        }
        // Both partitions' tasks kept a replica of each trainer (one JVM in local mode), and both borrows took one.
        assertEquals(4, BroadcastModel.KEPT_BORROWS.get() - kept);

        // A broadcast of a's parameters before the steps is of another version: it is fetched, not taken from a pool.
        float[] start = borrowedOnTwoTasks(before).get(0);
        assertEquals(4, BroadcastModel.KEPT_BORROWS.get() - kept);
        assertArrayEquals(initial, start);
        before.destroy();
    }

    @Test
    void theKeptReplicasAreTakenOverBeforeAnyIsBuiltAndAStaleVersionIsDropped() {
        // A config of its own, so that no other test's replicas are in its pool.
        ModelSpec spec = ModelSpec.of(Gpt2Model.create(GptConfig.of(259, 8, 8, 1, 1), DataType.FLOAT, true));
        Gpt2Model m1 = ReplicaPool.forKeeping(spec, 7, 3);
        ReplicaPool.keep(spec, m1, 7, 3);
        assertNotSame(m1, ReplicaPool.forKeeping(spec, 7, 3), "not one kept at the same version");
        assertNull(ReplicaPool.borrowKept(spec, 7, 4), "another version");
        assertNull(ReplicaPool.borrowKept(spec, 8, 3), "another trainer");
        Gpt2Model m2 = spec.build();
        assertSame(m1, ReplicaPool.forKeeping(spec, 7, 4), "the older version went back to the free replicas");
        ReplicaPool.keep(spec, m2, 7, 4);
        assertNull(ReplicaPool.borrowKept(spec, 7, 3));
        ReplicaPool.giveBack(spec, m1);
        assertSame(m1, ReplicaPool.borrow(spec), "a free replica first");
        assertSame(m2, ReplicaPool.borrow(spec), "then a kept one rather than a new one");
        assertNotSame(m2, ReplicaPool.borrow(spec));
        assertNull(ReplicaPool.borrowKept(spec, 7, 4), "taken over");
    }
}
