package org.instructgpt.label;

import com.typesafe.config.Config;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.instructgpt.config.Configs;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetIO;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.DatasetReader;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.io.Fs;
import org.instructgpt.world.GoldJudge;
import org.instructgpt.world.LabelerPool;
import org.instructgpt.world.WorldGenerator;
import org.instructgpt.world.WorldReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code instructgpt label}: the paper's labeling of the policy's own samples, for the embedded world. A distributed map
 * over the RM prompts ({@link PolicyLabeler} per partition, the policy loaded once per executor), written as a
 * comparisons dataset in the usual schema (splits kept from the prompts). Users with human rankings import them
 * instead and skip this stage.
 */
public final class LabelStage {
    private static final Logger LOG = LoggerFactory.getLogger(LabelStage.class);

    private LabelStage() {
    }

    /** How many prompts were labeled and how many skipped, by reason. */
    public record Summary(long labeled, Map<String, Long> skipped, String output) {
    }

    public static Summary run(SparkSession spark, Config root) {
        Config c = root.getConfig("instructgpt.label");
        String world = c.getString("world");
        WorldReport report = WorldReport.read(world);
        ChatTemplate template = ChatTemplate.from(root.getConfig("instructgpt.data.chat-template"));
        long seed = root.getLong("instructgpt.seed");
        int k = c.getInt("k");
        List<DegenerateVariant> variants = c.getStringList("variants").stream()
                .map(v -> DegenerateVariant.named(v, "instructgpt.label.variants")).toList();
        if (k < 2 || k + variants.size() > 9) {
            throw new IllegalArgumentException("instructgpt.label.k = " + k + " and " + variants.size()
                    + " instructgpt.label.variants: a labeler ranks 2 to 9 responses (the paper: 4 to 9)");
        }
        PolicyLabeler labeler = new PolicyLabeler(c.getStringList("policies"), seed, k, variants,
                new SamplingConfig(c.getInt("max-new-tokens"), c.getDouble("temperature"), 0, 1.0),
                c.getInt("prompts-per-batch"), new GoldJudge(WorldGenerator.factSeed(report.seed()), template),
                new LabelerPool(seed, report.labelerTemperature(), c.getInt("labelers"), c.getDouble("labeler-spread")));
        LOG.info("{}", Configs.render(root, "instructgpt.label"));
        String output = c.getString("output");
        DatasetReader.Checked prompts = DatasetReader.read(spark, DatasetKind.COMPARISONS, c.getString("prompts"));
        LOG.info("{}", prompts.summary(c.getString("prompts")));
        JavaRDD<PolicyLabeler.Labeled> labeled = prompts.valid()
                .map(r -> (DataRecord.Comparison) r)
                .repartition(root.getInt("instructgpt.train.partitions"))
                .mapPartitions(labeler::label)
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            Map<String, Long> skipped = new TreeMap<>(labeled.filter(l -> l.comparison() == null)
                    .map(PolicyLabeler.Labeled::skipped).countByValue());
            JavaRDD<DataRecord> comparisons = labeled.filter(l -> l.comparison() != null).map(l -> l.comparison());
            long n = comparisons.count();
            if (n == 0) {
                throw new IllegalStateException("no prompt of " + c.getString("prompts") + " got two distinct samples of "
                        + "different quality from " + c.getStringList("policies") + " (" + skipped + "); raise "
                        + "instructgpt.label.temperature or add a policy");
            }
            // Written aside and moved into place, so an earlier labeling survives a failed one.
            Fs.writeDirectory(new Path(output), staging -> {
                DatasetIO.write(spark, comparisons, DatasetKind.COMPARISONS, staging.toString());
                DatasetReader.writeRejects(spark, prompts, staging.toString(), "prompts");
            });
            LOG.info("label: {} prompts labeled with {} samples and variants {} each into {}; skipped {}", n, k,
                    variants, output, skipped);
            return new Summary(n, skipped, output);
        } finally {
            labeled.unpersist();
            prompts.release();
        }
    }
}
