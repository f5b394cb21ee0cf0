package org.instructgpt.jobs;

import com.typesafe.config.Config;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.spark.SparkSessions;
import org.instructgpt.world.World;
import org.instructgpt.world.WorldGenerator;
import org.instructgpt.world.WorldReport;
import org.instructgpt.world.WorldSpec;
import org.instructgpt.world.WorldWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** Generates the embedded world (tasks, pre-training text, labeler data) as the pipeline's datasets. */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = "Generate the embedded default world into instructgpt.world.output. Settings: instructgpt.world.*")
public final class PrepareCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        Config c = config.load();
        System.err.println(Configs.render(c, "instructgpt.world"));
        long start = System.nanoTime();
        World w = new WorldGenerator(WorldSpec.from(c), ChatTemplate.from(c.getConfig("instructgpt.data.chat-template")))
                .generate();
        String out = c.getString("instructgpt.world.output");
        SparkSession spark = SparkSessions.open(c, "instructgpt-prepare");
        try {
            WorldWriter.write(spark, w, out);
        } finally {
            spark.stop();
        }
        WorldReport r = w.report();
        System.err.printf("world written to %s in %.1f s: %s%n", out, (System.nanoTime() - start) / 1e9, r.counts());
        System.err.printf("labelers: temperature %.3f, pairwise agreement %.1f%% expected, %.1f%% measured (target %.0f%%)%n",
                r.labelerTemperature(), 100 * r.agreementExpected(), 100 * r.agreementMeasured(), 100 * r.agreementTarget());
        return 0;
    }
}
