package org.instructgpt.bench;

import org.instructgpt.data.PackedBlocks;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.instructgpt.SparkTestSession;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.model.GptConfig;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.instructgpt.train.OptimizerSettings;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimeToLossBenchmarkTest {
    private static final ByteLevelTokenizer TOK = new ByteLevelTokenizer();

    private static List<String> texts() {
        List<String> t = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            t.add("the whale swims " + i + " times around the ship; ");
        }
        return t;
    }

    @Test
    void packedBlocksAreFullAndKeepTheStreamInOrder() {
        List<TokenizedExample> blocks = PackedBlocks.of(List.of("abc", "de"), TOK, 3);
        // "abc" EOS "de" EOS = 7 tokens -> two full blocks, the last token dropped.
        assertEquals(2, blocks.size());
        assertEquals(TOK.eosId(), blocks.get(1).ids()[0]);
        assertEquals('d', blocks.get(1).ids()[1]);
        assertEquals(PackedBlocks.shuffled(blocks, 7), PackedBlocks.shuffled(blocks, 7));
    }

    @Test
    void baselineLossIsDl4jsOwnScorePerToken() {
        Dl4jCharLstm.Shape shape = new Dl4jCharLstm.Shape(TOK.vocabSize(), 8, 16, 1, 1e-2, 0.9, 0.95, 0.0, 1.0);
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jCharLstm.configuration(shape, 3));
        net.init();
        List<TokenizedExample> blocks = PackedBlocks.of(texts(), TOK, 17).subList(0, 6);
        DataSet ds = Dl4jCharLstm.dataSet(blocks, shape.vocab());
        for (int i = 0; i < 3; i++) {
            net.fit(ds);
        }
        double ours = Dl4jCharLstm.validationLoss(net, blocks, shape.vocab(), 4);
        // DL4J's score sums the loss over time steps and averages over sequences: 16 predictions per block here.
        double dl4j = net.score(ds) / 16;
        assertEquals(dl4j, ours, 1e-4 * dl4j);
    }

    @Test
    void timeToTargetInterpolatesBetweenValidationPoints() {
        List<TimeToLossBenchmark.Point> curve = List.of(new TimeToLossBenchmark.Point(0, 0, 0, 5.0),
                new TimeToLossBenchmark.Point(10, 10, 100, 3.0), new TimeToLossBenchmark.Point(20, 30, 200, 2.0));
        assertEquals(20.0, TimeToLossBenchmark.secondsToTarget(curve, 2.5), 1e-9);
        assertEquals(5.0, TimeToLossBenchmark.secondsToTarget(curve, 4.0), 1e-9);
        assertTrue(Double.isNaN(TimeToLossBenchmark.secondsToTarget(curve, 1.0)));
    }

    @Test
    void bothTrainersLowerTheValidationLossOnSpark() {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
        List<TokenizedExample> blocks = PackedBlocks.of(texts(), TOK, 17);
        List<TokenizedExample> train = PackedBlocks.shuffled(blocks, 1);
        List<TokenizedExample> validation = blocks.subList(0, 8);
        // The target cannot be reached; the budget ends each run after its first validation interval.
        TimeToLossBenchmark.Settings s = new TimeToLossBenchmark.Settings(2, 8, 17, 0.0, 1e-3, 6, 5);

        GptConfig cfg = GptConfig.of(TOK.vocabSize(), 17, 16, 1, 2);
        OptimizerSettings opt = new OptimizerSettings(8, 4, Long.MAX_VALUE, 1e-2, "constant", 1, 1.0, 0.9, 0.95, 1e-8, 0.0, 1.0);
        TimeToLossBenchmark.Result ours = TimeToLossBenchmark.ours(sc, s, cfg, opt, train, validation);
        Dl4jCharLstm.Shape shape = new Dl4jCharLstm.Shape(TOK.vocabSize(), 8, 16, 1, 1e-2, 0.9, 0.95, 0.0, 1.0);
        TimeToLossBenchmark.Result dl4j = TimeToLossBenchmark.dl4j(sc, s, shape, 3, 1, train, validation);

        for (TimeToLossBenchmark.Result r : List.of(ours, dl4j)) {
            assertEquals(2, r.curve().size(), r.trainer());
            TimeToLossBenchmark.Point last = r.curve().get(1);
            assertEquals(6, last.step(), r.trainer());
            assertEquals(6 * 8 * 16, last.tokens(), 1e-9, r.trainer());
            assertTrue(last.seconds() > 0, r.trainer());
            assertTrue(last.validationLoss() < r.curve().get(0).validationLoss() - 0.1, r.trainer() + ": " + r.curve());
            assertTrue(Double.isNaN(r.secondsToTarget()));
        }
    }
}
