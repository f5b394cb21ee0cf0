package org.instructgpt.pretrain;

import com.typesafe.config.Config;
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
import org.instructgpt.tokenizer.Tokenizers;
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
 * Pre-trains a base model with the causal-LM loss on a pretrain dataset (the embedded world needs one; users with a
 * Hugging Face GPT-2 skip this stage). Documents are cut into blocks of {@code block-size} tokens; the validation
 * split is the held-out text whose loss later measures the alignment tax.
 */
public final class PretrainStage {
    private static final Logger LOG = LoggerFactory.getLogger(PretrainStage.class);
    private PretrainStage() {
    }

    public static TrainingLoop.Summary run(SparkSession spark, Config root) {
        Config c = root.getConfig("instructgpt.pretrain");
        StageSettings st = StageSettings.from(root, "pretrain");
        String tokSpec = c.getString("tokenizer");
        Tokenizer tok = Tokenizers.forSpec(tokSpec);
        int block = c.getInt("block-size");
        Config mc = c.getConfig("model");
        GptConfig cfg = GptConfig.of(tok.vocabSize(), block, mc.getInt("n-embd"), mc.getInt("n-layer"), mc.getInt("n-head"))
                .withDropout(c.getDouble("dropout"));
        Gpt2Model model = Gpt2Model.create(cfg, DataType.FLOAT, false, st.engine());
        model.initialize(st.seed());

        DatasetReader.Checked input = DatasetReader.forStage(spark, DatasetKind.PRETRAIN, c.getString("data"),
                c.getString("output"));
        JavaRDD<DataRecord> docs = input.valid();
        ShardedData<TokenizedExample> train = ShardedData.of(blocks(docs, SplitAssigner.TRAIN, tokSpec, block), st.partitions());
        ShardedData<TokenizedExample> validation = ShardedData.of(blocks(docs, SplitAssigner.VALIDATION, tokSpec, block),
                st.partitions());
        OptimizerSettings opt = OptimizerSettings.from(c.getConfig("optimizer"));
        String output = c.getString("output");
        Provenance prov = Provenance.of("pretrain").input("data", c.getString("data"))
                .config(root.getConfig("instructgpt").root().unwrapped())
                .put("input_rows_valid", input.validCount()).put("input_rows_rejected", input.rejectedByReason())
                .put("train_blocks", train.count()).put("validation_blocks", validation.count());
        LOG.info("{}", Configs.render(root, "instructgpt.pretrain"));
        LOG.info(String.format("pretrain: %s (%,d parameters, %s engine) on %,d blocks of <= %d tokens, %d partitions", cfg,
                cfg.parameterCount(), model.engine().kind(), train.count(), block, st.partitions()));
        DataParallelTrainer<TokenizedExample> t = new DataParallelTrainer<>(
                JavaSparkContext.fromSparkContext(spark.sparkContext()), train, new LanguageModelObjective(tok.padId()),
                model, opt, st.seed()).exchange(st.exchange());
        try {
            return TrainingLoop.run(t, validation.count() > 0 ? validation : null,
                    st.loop("pretrain", output, opt.steps(), c.getLong("validate-every")), tok, prov);
        } finally {
            train.release();
            validation.release();
            input.release();
        }
    }

    static JavaRDD<TokenizedExample> blocks(JavaRDD<DataRecord> docs, String split, String tokSpec, int block) {
        return docs.filter(d -> split.equals(d.split()))
                .flatMap(d -> new ExampleEncoder(Tokenizers.forSpec(tokSpec), block)
                        .documentBlocks(((DataRecord.Document) d).text()).iterator());
    }
}
