package org.instructgpt.rm;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.Fixtures;
import org.instructgpt.SparkTestSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.DatasetReader;
import org.instructgpt.model.GptConfig;
import org.instructgpt.stats.Estimate;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.instructgpt.world.GoldJudge;
import org.instructgpt.world.LabelerPool;
import org.instructgpt.world.WorldGenerator;
import org.instructgpt.world.WorldReport;
import org.instructgpt.world.WorldStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RmQualityTest {
    @TempDir
    static java.nio.file.Path tmp;

    @Test
    void pairsAreThoseTheReferenceOrdersAndTiesInTheJudgeDisagree() {
        double[] reference = {3, 2, 2, 1};
        // Ordered pairs: 3>2, 3>2, 3>1, 2>1, 2>1 (the tie 2=2 skipped): 5.
        assertArrayEquals(new int[]{5, 5}, RmQuality.agreement(reference, new double[]{9, 5, 4, 0}));
        assertArrayEquals(new int[]{5, 0}, RmQuality.agreement(reference, new double[]{0, 5, 4, 9}));
        assertArrayEquals(new int[]{5, 3}, RmQuality.agreement(reference, new double[]{1, 1, 4, 0}));
        assertArrayEquals(new int[]{0, 0}, RmQuality.agreement(new double[]{1, 1}, new double[]{2, 1}));
    }

    /**
     * On a world's own comparisons, the held-out labelers agree with the world's labelers about as often as the world
     * was calibrated to (73%), the labels agree with gold more often than chance, and the report is reproducible.
     */
    @Test
    void heldOutLabelersAgreeWithTheLabelsAsTheWorldWasCalibrated() throws Exception {
        SparkSession spark = SparkTestSession.get();
        String world = tmp.resolve("world").toString();
        WorldStage.run(spark, Configs.load(null, List.of("instructgpt.world.output=\"" + world + "\"",
                "instructgpt.world.scale=0.3", "instructgpt.world.customers=60")));
        String model = tmp.resolve("rm").toString();
        Fixtures.saveRandomRewardModel(new Path(model), GptConfig.of(ByteLevelTokenizer.VOCAB, 128, 32, 2, 2), 3);

        WorldReport report = WorldReport.read(world);
        GoldJudge judge = new GoldJudge(WorldGenerator.factSeed(report.seed()),
                ChatTemplate.from(Configs.load(null, List.of()).getConfig("instructgpt.data.chat-template")));
        LabelerPool heldout = LabelerPool.heldOut(5, report.labelerTemperature(), 8, 0.25);
        DatasetReader.Checked in = DatasetReader.read(spark, DatasetKind.COMPARISONS, world + "/rm");
        JavaRDD<DataRecord.Comparison> all = in.valid().map(d -> (DataRecord.Comparison) d);
        RmQuality.Report q = RmQuality.measure(all, model, 96, 16, judge, heldout, 5);
        in.release();

        assertEquals(all.count(), q.prompts());
        assertTrue(q.labelerAgreement().low() < 0.73 && 0.73 < q.labelerAgreement().high(),
                "held-out labelers agree with the labels on " + q.labelerAgreement() + ", the world was calibrated to 0.73");
        assertTrue(q.labelsGoldAccuracy().above(0.6), "labels against gold " + q.labelsGoldAccuracy());
        assertTrue(q.goldAccuracy().n() > 0 && q.heldoutAccuracy().n() > 0 && q.accuracy().n() > 0);
        assertTrue(q.accuracyByK().containsKey("k4"), q.accuracyByK().toString());
        // Per family: every family of the prompts, the prompts split among them, the same pair counting.
        java.util.Set<String> families = new java.util.TreeSet<>(all.map(c -> judge.judgePrompt(c.prompt(), "").family())
                .collect());
        assertEquals(families, q.goldAccuracyByFamily().keySet());
        assertEquals(families, q.labelsGoldAccuracyByFamily().keySet());
        assertEquals(q.goldAccuracy().n(), q.goldAccuracyByFamily().values().stream().mapToLong(Estimate::n).sum());
        double lo = q.goldAccuracyByFamily().values().stream().mapToDouble(Estimate::value).min().orElseThrow();
        double hi = q.goldAccuracyByFamily().values().stream().mapToDouble(Estimate::value).max().orElseThrow();
        assertTrue(lo <= q.goldAccuracy().value() && q.goldAccuracy().value() <= hi, lo + " " + q.goldAccuracy() + " " + hi);
        assertEquals(q, RmQuality.measure(all, model, 96, 16, judge, heldout, 5), "reproducible");
        RmQuality.Report noWorld = RmQuality.measure(all, model, 96, 16, null, null, 5);
        assertEquals(q.accuracy(), noWorld.accuracy());
        assertEquals(0, noWorld.goldAccuracy().n());
        assertTrue(noWorld.goldAccuracyByFamily().isEmpty());
    }
}
