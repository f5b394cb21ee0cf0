package org.instructgpt.ppo;

import com.typesafe.config.Config;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.DatasetReader;
import org.instructgpt.data.PackedBlocks;
import org.instructgpt.data.SplitAssigner;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.io.Fs;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.Provenance;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.train.BaseCheckpoint;
import org.instructgpt.train.DataParallelTrainer;
import org.instructgpt.train.StageSettings;
import org.instructgpt.world.GoldJudge;
import org.instructgpt.world.WorldReport;
import org.instructgpt.data.ChatTemplate;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code instructgpt ppo}: the paper's RL stage. The policy starts from the selected SFT model and the value model
 * from the reward model; the reference (the SFT model) and the reward model stay frozen; dropout is off in all four.
 * Writes {@code final/} (the EMA of the policy's weights, for evaluation and export), {@code last/} (the weights of
 * the last step), {@code value/}, {@code metrics.jsonl}, {@code samples.md} and the curves.
 */
public final class PpoStage {
    private static final Logger LOG = LoggerFactory.getLogger(PpoStage.class);

    private PpoStage() {
    }

    public static PpoLoop.Summary run(SparkSession spark, Config root) {
        PpoConfig cfg = PpoConfig.from(root);
        Config c = root.getConfig("instructgpt.ppo");
        StageSettings st = StageSettings.from(root, "ppo");
        LOG.info("{}", Configs.render(root, "instructgpt.ppo"));
        BaseCheckpoint policyBase = BaseCheckpoint.load(c, "ppo", "policy");
        BaseCheckpoint valueBase = BaseCheckpoint.load(c, "ppo", "value-model");
        if (!valueBase.model().hasScoreHead()) {
            throw new IllegalArgumentException("instructgpt.ppo.value-model: " + valueBase.location()
                    + " has no score head (the value model starts from the reward model)");
        }
        if (valueBase.model().config().vocabSize != policyBase.model().config().vocabSize) {
            throw new IllegalArgumentException("instructgpt.ppo.value-model: " + valueBase.location() + " has a vocabulary"
                    + " of " + valueBase.model().config().vocabSize + " tokens, the policy "
                    + policyBase.model().config().vocabSize + ": the reward and value models must share the policy's tokenizer");
        }
        Gpt2Model policy = Gpt2Model.create(policyBase.model().config().withDropout(0), DataType.FLOAT, false, st.engine());
        policy.params().flat().assign(policyBase.model().params().flat());
        Gpt2Model value = Gpt2Model.create(valueBase.model().config().withDropout(0), DataType.FLOAT, true, st.engine());
        value.params().flat().assign(valueBase.model().params().flat());

        EpisodeSchedule schedule = new EpisodeSchedule(prompts(spark, cfg.prompts()), blocks(spark, cfg, policyBase),
                cfg.episodes(), cfg.ptxBlocks(), cfg.seed());
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // Data and objective come with each iteration's rollouts (DataParallelTrainer.use).
        PpoState s = new PpoState(new DataParallelTrainer<Rollout>(sc, policy, cfg.optimizer(), cfg.seed())
                        .exchange(st.exchange()),
                new DataParallelTrainer<Rollout>(sc, value, cfg.valueOptimizer(), cfg.seed() ^ 0x7a1e)
                        .exchange(st.exchange()),
                cfg.klController());
        int pad = policyBase.tokenizer().padId() >= 0 ? policyBase.tokenizer().padId() : policy.config().eosTokenId;
        GoldJudge judge = WorldReport.find(c.getString("world"))
                .map(w -> w.goldJudge(ChatTemplate.from(root.getConfig("instructgpt.data.chat-template")))).orElse(null);
        PpoLoop.Frozen frozen = new PpoLoop.Frozen(cfg.reference(), cfg.rewardModel(), policyBase.tokenizerSpec(),
                policyBase.tokenizer(), pad, judge);
        Provenance prov = Provenance.of("ppo").input("policy", cfg.policy()).input("reference", cfg.reference())
                .input("reward_model", cfg.rewardModel()).input("value_model", cfg.valueModel())
                .input("prompts", cfg.prompts()).input("pretrain", cfg.pretrain().isEmpty() ? "none" : cfg.pretrain())
                .config(root.getConfig("instructgpt").root().unwrapped());
        LOG.info(String.format("ppo: %s from %s; %d iterations x %d episodes, %d epochs of minibatches of %d; beta %s%s;"
                        + " ptx %s (%d blocks per episode); %d partitions, %s engine", policy.config(), cfg.policy(),
                cfg.iterations(), cfg.episodes(), cfg.epochs(), cfg.minibatch(), cfg.klCoef(),
                cfg.klAdaptive() ? " adaptive" : "", cfg.ptxCoef(), cfg.ptxBlocks(), cfg.partitions(),
                policy.engine().kind()));
        PpoLoop.Summary summary = PpoLoop.run(sc, cfg, s, schedule, frozen, prov);
        writeFinal(cfg, s, frozen, prov);
        return summary;
    }

    /** final/ (the EMA), last/ and value/. */
    private static void writeFinal(PpoConfig cfg, PpoState s, PpoLoop.Frozen frozen, Provenance prov) {
        Path out = new Path(cfg.output());
        try {
            Gpt2Model policy = s.policy.model();
            Gpt2Model ema = Gpt2Model.create(policy.config(), DataType.FLOAT, false);
            ema.params().flat().assign(s.ema);
            ModelCheckpoint.save(Fs.of(out), new Path(out, "final"), ema, frozen.tokenizer(), null,
                    prov.copy().put("weights", "ema").put("ema_decay", cfg.emaDecay()).put("iteration", s.iteration));
            ModelCheckpoint.save(Fs.of(out), new Path(out, "last"), policy, frozen.tokenizer(), null,
                    prov.copy().put("weights", "last").put("iteration", s.iteration));
            ModelCheckpoint.save(Fs.of(out), new Path(out, "value"), s.value.model(), frozen.tokenizer(), null,
                    prov.copy().put("weights", "value").put("iteration", s.iteration));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the PPO models under " + out + ": " + e.getMessage(), e);
        }
    }

    private static List<EpisodeSchedule.Prompt> prompts(SparkSession spark, String path) {
        DatasetReader.Checked in = DatasetReader.read(spark, DatasetKind.PROMPTS, path);
        try {
            LOG.info("{}", in.summary(path));
            List<EpisodeSchedule.Prompt> out = new ArrayList<>();
            for (DataRecord r : in.valid().filter(d -> SplitAssigner.TRAIN.equals(d.split())).collect()) {
                DataRecord.Prompt p = (DataRecord.Prompt) r;
                out.add(new EpisodeSchedule.Prompt(p.promptId(), p.prompt()));
            }
            out.sort(java.util.Comparator.comparing(EpisodeSchedule.Prompt::id));
            if (out.isEmpty()) {
                throw new IllegalArgumentException("instructgpt.ppo.prompts: " + path + " has no 'train' prompts");
            }
            return out;
        } finally {
            in.release();
        }
    }

    /** Up to max-blocks full blocks of the pre-training text's train split, packed (a seeded sample of documents). */
    private static List<int[]> blocks(SparkSession spark, PpoConfig cfg, BaseCheckpoint base) {
        if (cfg.ptxBlocks() == 0) {
            return List.of();
        }
        DatasetReader.Checked in = DatasetReader.read(spark, DatasetKind.PRETRAIN, cfg.pretrain());
        try {
            List<String> texts = new ArrayList<>();
            for (DataRecord r : in.valid().filter(d -> SplitAssigner.TRAIN.equals(d.split())).collect()) {
                texts.add(((DataRecord.Document) r).text());
            }
            texts.sort(String::compareTo);
            int size = Math.min(cfg.ptxBlockSize(), base.model().config().nPositions);
            List<int[]> out = new ArrayList<>();
            for (TokenizedExample e : PackedBlocks.of(PackedBlocks.shuffled(texts, cfg.seed()), base.tokenizer(), size)) {
                out.add(e.ids());
                if (out.size() == cfg.ptxMaxBlocks()) {
                    break;
                }
            }
            LOG.info("ppo: {} pre-training blocks of {} tokens for ptx", out.size(), size);
            return out;
        } finally {
            in.release();
        }
    }
}
