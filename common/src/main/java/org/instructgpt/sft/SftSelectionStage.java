package org.instructgpt.sft;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.config.Configs;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.DatasetReader;
import org.instructgpt.eval.PolicySampleScorer;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.io.Fs;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.Provenance;
import org.instructgpt.stats.Estimate;
import org.instructgpt.stats.Intervals;
import org.instructgpt.util.Seeds;
import org.instructgpt.world.GoldJudge;
import org.instructgpt.world.WorldReport;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code instructgpt select-sft}: the paper's choice of the SFT checkpoint. SFT overfits on validation loss after
 * about an epoch, while later epochs still raise the reward model's score and labelers' preference, so the epoch
 * kept is the one whose samples on validation prompts the reward model scores highest. Every epoch's weights
 * ({@code <sft>/epochs/epoch-N}) answers the same prompts from the same seeds (so the candidates differ by their
 * weights, not by luck), on the executors; the mean RM score has a 95% interval over prompts, and the validation
 * loss (and, on the embedded world, the gold judge's mean score) stand beside it in {@code selection.json}. The
 * chosen weights are written to {@code <output>/selected}, the policy PPO starts from.
 */
public final class SftSelectionStage {
    private static final Logger LOG = LoggerFactory.getLogger(SftSelectionStage.class);

    private SftSelectionStage() {
    }

    /** One candidate's figures. */
    public record Candidate(@JsonProperty("name") String name, @JsonProperty("epoch") long epoch,
                            @JsonProperty("step") long step, @JsonProperty("validation_loss") Double validationLoss,
                            @JsonProperty("rm_score") Estimate rmScore, @JsonProperty("gold_score") Estimate goldScore) {
    }

    /** Every candidate, the one selected, and where it was written. */
    public record Selection(@JsonProperty("candidates") List<Candidate> candidates,
                            @JsonProperty("selected") String selected, @JsonProperty("prompts") long prompts,
                            @JsonProperty("samples_per_prompt") int samplesPerPrompt,
                            @JsonProperty("reward_model") String rewardModel, @JsonProperty("output") String output) {
    }

    public static Selection run(SparkSession spark, Config root) {
        Config c = root.getConfig("instructgpt.sft-select");
        LOG.info("{}", Configs.render(root, "instructgpt.sft-select"));
        List<Path> candidates = candidates(c.getString("candidates"));
        String rm = c.getString("reward-model");
        GoldJudge judge = WorldReport.find(c.getString("world"))
                .map(w -> w.goldJudge(ChatTemplate.from(root.getConfig("instructgpt.data.chat-template")))).orElse(null);
        long seed = root.getLong("instructgpt.seed");
        int samples = c.getInt("samples-per-prompt");
        PolicySampleScorer scorer = new PolicySampleScorer(candidates.stream().map(Path::toString).toList(), rm,
                new SamplingConfig(c.getInt("max-new-tokens"), c.getDouble("temperature"), 0, 1.0), samples,
                c.getInt("prompts-per-batch"), root.getInt("instructgpt.score.batch-size"),
                root.getInt("instructgpt.rm.max-length"), judge, -1, seed);
        DatasetReader.Checked input = DatasetReader.read(spark, DatasetKind.DEMONSTRATIONS, c.getString("prompts"));
        List<PolicySampleScorer.PromptScores> scores;
        try {
            String split = c.getString("split");
            List<DataRecord> chosen = input.valid().filter(d -> split.equals(d.split()))
                    .sortBy(d -> Seeds.derive(seed, d.key().hashCode(), 0x5e1), true, 1)
                    .take(c.getInt("max-prompts"));
            if (chosen.isEmpty()) {
                throw new IllegalArgumentException("instructgpt.sft-select.prompts: " + c.getString("prompts")
                        + " has no '" + split + "' rows to choose the SFT epoch on");
            }
            scores = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext())
                    .parallelize(chosen.stream().map(d -> new PolicySampleScorer.Prompt(((DataRecord.Demonstration) d)
                            .promptId(), ((DataRecord.Demonstration) d).prompt(), null)).toList(),
                            root.getInt("instructgpt.train.partitions"))
                    .mapPartitions(scorer::score).collect();
        } finally {
            input.release();
        }
        List<Candidate> figures = new ArrayList<>();
        int best = 0;
        for (int i = 0; i < candidates.size(); i++) {
            int at = i;
            double[] rmScores = scores.stream().mapToDouble(p -> p.rm()[at]).toArray();
            Estimate gold = judge == null ? Estimate.none("bootstrap")
                    : Intervals.mean(scores.stream().mapToDouble(p -> p.gold()[at]).toArray(), Seeds.derive(seed, i, 1));
            JsonNode prov = provenance(candidates.get(i));
            figures.add(new Candidate(candidates.get(i).getName(), prov.path("epoch").asLong(0),
                    prov.path("step").asLong(0), prov.path("validation_loss").isNumber()
                    ? prov.get("validation_loss").asDouble() : null, Intervals.mean(rmScores, Seeds.derive(seed, i, 0)),
                    gold));
            if (figures.get(i).rmScore().value() > figures.get(best).rmScore().value()) {
                best = i;
            }
            LOG.info("select-sft: {} (validation loss {}): mean RM score {}, gold {}", candidates.get(i),
                    figures.get(i).validationLoss(), figures.get(i).rmScore(), figures.get(i).goldScore());
        }
        String output = c.getString("output");
        Selection s = new Selection(figures, candidates.get(best).toString(), scores.size(), samples, rm, output);
        write(candidates.get(best), s, new Path(output));
        LOG.info("select-sft: {} selected (mean RM score {}), written to {}/selected", s.selected(),
                figures.get(best).rmScore(), output);
        return s;
    }

    /** {@code <sft>/epochs/epoch-*} in epoch order, or {@code <sft>/final} alone when no epoch's weights were kept. */
    static List<Path> candidates(String sft) {
        Path epochs = new Path(sft, "epochs");
        FileSystem fs = Fs.of(epochs);
        try {
            List<Path> out = new ArrayList<>();
            if (fs.exists(epochs)) {
                for (FileStatus st : fs.listStatus(epochs)) {
                    if (st.isDirectory() && st.getPath().getName().matches("epoch-\\d+")) {
                        out.add(st.getPath());
                    }
                }
            }
            out.sort(java.util.Comparator.comparing(Path::getName));
            if (out.isEmpty()) {
                Path fin = new Path(sft, "final");
                if (!fs.exists(fin)) {
                    throw new IllegalArgumentException("instructgpt.sft-select.candidates: " + sft + " has neither "
                            + "epochs/epoch-N nor final/ (run sft with instructgpt.sft.epoch-weights = true)");
                }
                out.add(fin);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + epochs + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode provenance(Path dir) {
        Path p = new Path(dir, Provenance.FILE);
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(Fs.readAll(Fs.of(p), p));
        } catch (IOException e) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
    }

    /** The selected weights (with the selection in their provenance) and selection.json, put in place together. */
    private static void write(Path chosen, Selection s, Path output) {
        Fs.writeDirectory(output, staging -> {
            FileSystem fs = Fs.of(chosen);
            ModelCheckpoint.Loaded l = ModelCheckpoint.load(fs, chosen, DataType.FLOAT);
            Provenance prov = l.provenance().orElse(Provenance.of("sft")).put("selected_from", chosen.toString())
                    .put("selection", s);
            ModelCheckpoint.save(Fs.of(staging), new Path(staging, "selected"), l.model(), l.tokenizer().orElse(null),
                    null, prov);
            Fs.writeJson(new Path(staging, "selection.json"), s);
        });
    }
}
