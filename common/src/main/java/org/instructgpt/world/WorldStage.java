package org.instructgpt.world;

import com.typesafe.config.Config;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.data.ChatTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code prepare} stage: generates the embedded world from the config and writes it. */
public final class WorldStage {
    private static final Logger LOG = LoggerFactory.getLogger(WorldStage.class);
    private WorldStage() {
    }

    public static WorldReport run(SparkSession spark, Config root) {
        long start = System.nanoTime();
        World w = new WorldGenerator(WorldSpec.from(root), ChatTemplate.from(root.getConfig("instructgpt.data.chat-template")))
                .generate();
        String out = root.getString("instructgpt.world.output");
        WorldWriter.write(spark, w, out);
        WorldReport r = w.report();
        LOG.info(String.format("world written to %s in %.1f s: %s", out, (System.nanoTime() - start) / 1e9, r.counts()));
        LOG.info(String.format("labelers: temperature %.3f, pairwise agreement %.1f%% expected, %.1f%% measured (target %.0f%%)",
                r.labelerTemperature(), 100 * r.agreementExpected(), 100 * r.agreementMeasured(), 100 * r.agreementTarget()));
        return r;
    }
}
