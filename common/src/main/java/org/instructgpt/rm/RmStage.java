package org.instructgpt.rm;

import com.typesafe.config.Config;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.DatasetReader;
import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.data.SplitAssigner;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.io.Fs;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.Provenance;
import org.instructgpt.model.Gpt2Layout;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.tokenizer.Tokenizers;
import org.instructgpt.train.BaseCheckpoint;
import org.instructgpt.train.DataParallelTrainer;
import org.instructgpt.train.OptimizerSettings;
import org.instructgpt.train.ShardedData;
import org.instructgpt.train.StageSettings;
import org.instructgpt.train.TrainingLoop;
import org.instructgpt.world.GoldJudge;
import org.instructgpt.world.LabelerPool;
import org.instructgpt.world.WorldReport;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Trains the reward model (the paper's RM): a checkpoint (the SFT model, or a Hugging Face GPT-2) with its LM head
 * replaced by a scalar head, N(0, 1/sqrt(n_embd + 1)), no bias, read at the last real token; the K-way ranking loss
 * per prompt ({@link PairwiseRankingLoss}); data-parallel on Spark with comparisons sharded by prompt; one epoch by
 * default with a cosine schedule. Afterwards the bias is set so that labeler demonstrations score 0 on average, in
 * both {@code final/} and {@code best/}. Checkpoints are Hugging Face {@code GPT2ForSequenceClassification}
 * directories.
 */
public final class RmStage {
    private static final Logger LOG = LoggerFactory.getLogger(RmStage.class);

    private RmStage() {
    }

    /** How training went, the biases set afterwards, and the final model's quality on the validation comparisons. */
    public record Summary(TrainingLoop.Summary training, double finalBias, double bestBias, RmQuality.Report quality) {
    }

    public static Summary run(SparkSession spark, Config root) {
        Config c = root.getConfig("instructgpt.rm");
        StageSettings st = StageSettings.from(root, "rm");
        BaseCheckpoint base = BaseCheckpoint.load(c, "rm");
        GptConfig cfg = base.model().config().withDropout(c.getDouble("dropout")).asScalarModel();
        Gpt2Model model = Gpt2Model.create(cfg, DataType.FLOAT, true, st.engine());
        initialize(model, base.model(), st.seed());
        int maxLength = Math.min(c.getInt("max-length"), cfg.nPositions);
        String tokSpec = base.tokenizerSpec();
        int padId = base.tokenizer().padId();

        String output = c.getString("output");
        DatasetReader.Checked input = DatasetReader.forStage(spark, DatasetKind.COMPARISONS, c.getString("data"), output);
        WorldReport world = world(c);
        GoldJudge judge = world == null ? null
                : world.goldJudge(ChatTemplate.from(root.getConfig("instructgpt.data.chat-template")));
        ShardedData<RankedExample> train = ShardedData.of(ranked(input.valid(), SplitAssigner.TRAIN, tokSpec, maxLength,
                judge), st.partitions());
        ShardedData<RankedExample> validation = ShardedData.of(ranked(input.valid(), SplitAssigner.VALIDATION, tokSpec,
                maxLength, judge), st.partitions());
        OptimizerSettings opt = OptimizerSettings.from(c.getConfig("optimizer"));
        long stepsPerEpoch = Math.max(1, (train.count() + opt.batchSize() - 1) / opt.batchSize());
        long steps = stepsPerEpoch * c.getInt("epochs");
        opt = opt.withSteps(steps);
        Provenance prov = Provenance.of("rm").input("data", c.getString("data")).input("base", base.location())
                .input("demonstrations", c.getString("demonstrations").isEmpty() ? "none" : c.getString("demonstrations"))
                .config(root.getConfig("instructgpt").root().unwrapped())
                .put("input_rows_valid", input.validCount()).put("input_rows_rejected", input.rejectedByReason())
                .put("train_comparisons", train.count()).put("validation_comparisons", validation.count());
        LOG.info("{}", Configs.render(root, "instructgpt.rm"));
        LOG.info(String.format("rm: %s from %s on %,d comparisons (%,d for validation), %d epochs = %d steps, %d"
                        + " partitions, %s engine", cfg, base.location(), train.count(), validation.count(),
                c.getInt("epochs"), steps, st.partitions(), model.engine().kind()));
        DataParallelTrainer<RankedExample> t = new DataParallelTrainer<>(
                JavaSparkContext.fromSparkContext(spark.sparkContext()), train, new PairwiseRankingLoss(padId), model,
                opt, st.seed()).exchange(st.exchange());
        ShardedData<TokenizedExample> demos = null;
        try {
            TrainingLoop.Summary s = TrainingLoop.run(t, validation.count() > 0 ? validation : null,
                    st.loop("rm", output, steps, Math.max(1, stepsPerEpoch / c.getInt("validations-per-epoch"))),
                    base.tokenizer(), prov);
            double finalBias = 0;
            double bestBias = 0;
            if (c.getString("demonstrations").isEmpty()) {
                LOG.info("rm: no demonstrations given (instructgpt.rm.demonstrations), so no bias is set");
            } else {
                demos = demonstrations(spark, c, tokSpec, maxLength, st.partitions());
                finalBias = normalize(t, demos, padId, new Path(output, "final"));
                bestBias = normalize(t, demos, padId, new Path(output, "best"));
            }
            return new Summary(s, finalBias, bestBias, quality(root, input, world, judge, maxLength, output));
        } finally {
            train.release();
            validation.release();
            input.release();
            if (demos != null) {
                demos.release();
            }
        }
    }

    /** The base's transformer, and its score head if it has one (continuing an RM), else a fresh one. */
    static void initialize(Gpt2Model rm, Gpt2Model base, long seed) {
        for (String name : base.params().names()) {
            rm.params().get(name).assign(base.params().get(name));
        }
        if (!base.params().has(Gpt2Layout.SCORE)) {
            rm.initializeScoreHead(seed);
        }
    }

    static JavaRDD<RankedExample> ranked(JavaRDD<DataRecord> comparisons, String split, String tokSpec, int maxLength,
                                         GoldJudge judge) {
        return comparisons.filter(d -> split.equals(d.split())).map(d -> RankedExample.of((DataRecord.Comparison) d,
                new ExampleEncoder(Tokenizers.forSpec(tokSpec), maxLength), judge));
    }

    /** The embedded world when {@code world} names one (accuracy against gold and held-out labelers is then measured). */
    private static WorldReport world(Config c) {
        WorldReport w = WorldReport.find(c.getString("world")).orElse(null);
        if (w == null) {
            LOG.info("rm: no embedded world at instructgpt.rm.world = '{}': accuracy against gold and held-out"
                    + " labelers is not measured", c.getString("world"));
        }
        return w;
    }

    /** The final model's {@link RmQuality} on the validation comparisons, also written to {@code quality.json}. */
    private static RmQuality.Report quality(Config root, DatasetReader.Checked input, WorldReport world, GoldJudge judge,
                                            int maxLength, String output) {
        Config label = root.getConfig("instructgpt.label");
        long seed = root.getLong("instructgpt.seed");
        LabelerPool heldout = world == null ? null : LabelerPool.heldOut(seed, world.labelerTemperature(),
                label.getInt("labelers"), label.getDouble("labeler-spread"));
        RmQuality.Report q = RmQuality.measure(input.valid().filter(d -> SplitAssigner.VALIDATION.equals(d.split()))
                        .map(d -> (DataRecord.Comparison) d), new Path(output, "final").toString(), maxLength,
                root.getInt("instructgpt.score.batch-size"), judge, heldout, seed);
        Fs.writeJson(new Path(output, "quality.json"), q);
        LOG.info("rm: on {} validation prompts, accuracy {} against their labels, {} against held-out labelers (who"
                        + " agree with the labels on {}), {} against gold (the labels: {})", q.prompts(), q.accuracy(),
                q.heldoutAccuracy(), q.labelerAgreement(), q.goldAccuracy(), q.labelsGoldAccuracy());
        return q;
    }

    /** Every labeler demonstration (both splits) as prompt + completion + EOS, the sequences the bias centres. */
    private static ShardedData<TokenizedExample> demonstrations(SparkSession spark, Config c, String tokSpec, int maxLength,
                                                                int partitions) {
        DatasetReader.Checked d = DatasetReader.read(spark, DatasetKind.DEMONSTRATIONS, c.getString("demonstrations"));
        JavaRDD<TokenizedExample> seqs = d.valid().map(r -> {
            DataRecord.Demonstration x = (DataRecord.Demonstration) r;
            return new ExampleEncoder(Tokenizers.forSpec(tokSpec), maxLength).demonstration(x.prompt(), x.completion());
        });
        return ShardedData.of(seqs, partitions);
    }

    /**
     * Sets the bias of the checkpoint at {@code dir} to minus the mean score of the demonstrations under its weights
     * (evaluated on the partitions); the trainer's parameters are restored afterwards.
     */
    private static double normalize(DataParallelTrainer<RankedExample> t, ShardedData<TokenizedExample> demos, int padId,
                                    Path dir) {
        FileSystem fs = Fs.of(dir);
        try {
            if (!fs.exists(dir)) {
                return Double.NaN;
            }
            INDArray trained = t.model().params().flat().dup();
            ModelCheckpoint.Loaded saved = ModelCheckpoint.load(fs, dir, DataType.FLOAT);
            t.model().params().flat().assign(saved.model().params().flat());
            double bias;
            try {
                bias = -t.evaluate(demos, new MeanScore(padId)).mean();
            } finally {
                t.model().params().flat().assign(trained);
            }
            RewardModel.writeBias(fs, dir, saved, bias);
            LOG.info("rm: {} scores the {} demonstrations {} on average; its bias is set to {}", dir, demos.count(),
                    String.format("%.4f", -bias), String.format("%.4f", bias));
            return bias;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set the bias of " + dir + ": " + e.getMessage(), e);
        }
    }
}
