package org.instructgpt.sft;

import com.typesafe.config.Config;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetReader;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.data.SplitAssigner;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.io.Provenance;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.tokenizer.Tokenizer;
import org.instructgpt.train.BaseCheckpoint;
import org.instructgpt.train.DataParallelTrainer;
import org.instructgpt.train.LanguageModelObjective;
import org.instructgpt.train.OptimizerSettings;
import org.instructgpt.train.ShardedData;
import org.instructgpt.train.StageSettings;
import org.instructgpt.train.TrainingLoop;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * Supervised fine-tuning (the paper's SFT): the causal-LM loss on the completions of labeler demonstrations only,
 * from a base checkpoint (ours or a Hugging Face GPT-2 directory), for a number of epochs with a cosine schedule and
 * residual dropout (the paper: 16 epochs, cosine to 10%, dropout 0.2). Validation loss after every epoch; the final
 * and the best (lowest validation loss) checkpoints are kept, and every epoch's weights ({@code epochs/epoch-N}) for
 * {@link SftSelectionStage} to choose among by reward-model score, as the paper does.
 */
public final class SftStage {
    private static final Logger LOG = LoggerFactory.getLogger(SftStage.class);
    private SftStage() {
    }

    public static TrainingLoop.Summary run(SparkSession spark, Config root) {
        Config c = root.getConfig("instructgpt.sft");
        StageSettings st = StageSettings.from(root, "sft");
        BaseCheckpoint base = BaseCheckpoint.load(c, "sft");
        Path baseDir = base.dir();
        Tokenizer tok = base.tokenizer();
        GptConfig cfg = base.model().config().withDropout(c.getDouble("dropout"));
        Gpt2Model model = Gpt2Model.create(cfg, DataType.FLOAT, false, st.engine());
        model.params().flat().assign(base.model().params().flat());
        int maxLength = Math.min(c.getInt("max-length"), cfg.nPositions);

        String tokSpec = base.tokenizerSpec();
        DatasetReader.Checked input = DatasetReader.forStage(spark, DatasetKind.DEMONSTRATIONS, c.getString("data"),
                c.getString("output"));
        JavaRDD<DataRecord> demos = input.valid();
        ShardedData<TokenizedExample> train = ShardedData.of(encode(demos, SplitAssigner.TRAIN, tokSpec, maxLength), st.partitions());
        ShardedData<TokenizedExample> validation = ShardedData.of(encode(demos, SplitAssigner.VALIDATION, tokSpec, maxLength),
                st.partitions());
        OptimizerSettings opt = OptimizerSettings.from(c.getConfig("optimizer"));
        long stepsPerEpoch = Math.max(1, (train.count() + opt.batchSize() - 1) / opt.batchSize());
        long steps = stepsPerEpoch * c.getInt("epochs");
        opt = opt.withSteps(steps);
        long truncated = train.rdd().filter(TokenizedExample::truncated).count();
        Provenance prov = Provenance.of("sft").input("data", c.getString("data")).input("base", baseDir.toString())
                .config(root.getConfig("instructgpt").root().unwrapped())
                .put("input_rows_valid", input.validCount()).put("input_rows_rejected", input.rejectedByReason())
                .put("train_examples", train.count()).put("validation_examples", validation.count())
                .put("truncated_examples", truncated);
        LOG.info("{}", Configs.render(root, "instructgpt.sft"));
        LOG.info(String.format("sft: %s from %s on %,d demonstrations (%,d for validation; %,d cut to %d tokens), %d epochs"
                        + " = %d steps, %d partitions, %s engine", cfg, baseDir, train.count(), validation.count(), truncated,
                maxLength, c.getInt("epochs"), steps, st.partitions(), model.engine().kind()));
        DataParallelTrainer<TokenizedExample> t = new DataParallelTrainer<>(
                JavaSparkContext.fromSparkContext(spark.sparkContext()), train, new LanguageModelObjective(tok.padId()),
                model, opt, st.seed()).exchange(st.exchange());
        try {
            return TrainingLoop.run(t, validation.count() > 0 ? validation : null,
                    st.loop("sft", c.getString("output"), steps, stepsPerEpoch)
                            .withEpochWeights(c.getBoolean("epoch-weights") ? stepsPerEpoch : 0), tok, prov);
        } finally {
            train.release();
            validation.release();
            input.release();
        }
    }

    static JavaRDD<TokenizedExample> encode(JavaRDD<DataRecord> demos, String split, String tokSpec, int maxLength) {
        return demos.filter(d -> split.equals(d.split())).map(d -> {
            DataRecord.Demonstration x = (DataRecord.Demonstration) d;
            return new ExampleEncoder(org.instructgpt.tokenizer.Tokenizers.forSpec(tokSpec), maxLength)
                    .demonstration(x.prompt(), x.completion());
        });
    }
}
