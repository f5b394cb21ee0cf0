package org.instructgpt.jobs;

import com.typesafe.config.Config;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetIO;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.generate.GenerationResult;
import org.instructgpt.generate.Generator;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.io.Fs;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.sft.SftSelectionStage;
import org.instructgpt.sft.SftStage;
import org.instructgpt.spark.ExecutorPools;
import org.instructgpt.spark.SparkSessions;
import org.instructgpt.tokenizer.Tokenizer;
import org.instructgpt.pretrain.PretrainStage;
import org.instructgpt.label.LabelStage;
import org.instructgpt.eval.EvalStage;
import org.instructgpt.ppo.PpoStage;
import org.instructgpt.pipeline.PipelineRun;
import org.instructgpt.report.RunReport;
import org.instructgpt.rm.RmStage;
import org.instructgpt.world.GoldJudge;
import org.instructgpt.world.WorldGenerator;
import org.instructgpt.world.WorldStage;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * The main job on the embedded world, into one run directory: prepare, pretrain, sft, label (the SFT and pretrained
 * policies' samples ranked by the world's labelers), rm, select-sft (the epoch the RM prefers), PPO-ptx, PPO without
 * ptx, a small model's pretrain, sft and PPO-ptx (against the same reward model), eval, report (report/report.md);
 * then a few answers of the selected SFT model to held-out prompts with their gold scores. A stage whose output is
 * complete is skipped, and a stage that was interrupted resumes, so rerunning continues a killed run.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "Run the pipeline on the embedded world into instructgpt.run-dir: prepare -> pretrain -> sft -> label"
                + " -> rm -> select-sft -> ppo-ptx -> ppo -> small-pretrain -> small-sft -> small-ppo-ptx -> eval -> report. Complete stages are skipped; a rerun continues.")
public final class PipelineCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        // Stages that train continue from their newest valid checkpoint: a killed run goes on where it stopped.
        config.overrides.add("instructgpt.train.resume=true");
        Config c = config.load();
        Config noPtx = over(c, "ppo-no-ptx", "ppo");
        SparkSession spark = SparkSessions.open(c, "instructgpt-pipeline");
        // Every stage loads its own models; those of the stages before it would only hold the executors' memory.
        PipelineRun run = new PipelineRun(c.getString("instructgpt.run-dir"),
                () -> ExecutorPools.clear(JavaSparkContext.fromSparkContext(spark.sparkContext())));
        try {
            run.stage("prepare", c.getString("instructgpt.world.output"), () -> WorldStage.run(spark, c));
            run.stage("pretrain", c.getString("instructgpt.pretrain.output"),
                    () -> TrainingCommands.report("pretrain", PretrainStage.run(spark, c)));
            run.stage("sft", c.getString("instructgpt.sft.output"),
                    () -> TrainingCommands.report("sft", SftStage.run(spark, c)));
            run.stage("label", c.getString("instructgpt.label.output"), () -> {
                LabelStage.Summary labeled = LabelStage.run(spark, c);
                System.err.printf("label: %d comparisons of the policies' samples; skipped %s%n", labeled.labeled(),
                        labeled.skipped());
            });
            run.stage("rm", c.getString("instructgpt.rm.output"),
                    () -> TrainingCommands.report("rm", RmStage.run(spark, c).training()));
            run.stage("select-sft", c.getString("instructgpt.sft-select.output"),
                    () -> SelectSftCommand.report(SftSelectionStage.run(spark, c)));
            run.stage("ppo-ptx", c.getString("instructgpt.ppo.output"),
                    () -> PpoCommand.report(PpoStage.run(spark, c), c.getString("instructgpt.ppo.output")));
            run.stage("ppo", noPtx.getString("instructgpt.ppo.output"),
                    () -> PpoCommand.report(PpoStage.run(spark, noPtx), noPtx.getString("instructgpt.ppo.output")));
            Config smallPretrain = over(c, "small.pretrain", "pretrain");
            Config smallSft = over(c, "small.sft", "sft");
            Config smallPpo = over(c, "small.ppo", "ppo");
            run.stage("small-pretrain", smallPretrain.getString("instructgpt.pretrain.output"),
                    () -> TrainingCommands.report("pretrain (small)", PretrainStage.run(spark, smallPretrain)));
            run.stage("small-sft", smallSft.getString("instructgpt.sft.output"),
                    () -> TrainingCommands.report("sft (small)", SftStage.run(spark, smallSft)));
            run.stage("small-ppo-ptx", smallPpo.getString("instructgpt.ppo.output"),
                    () -> PpoCommand.report(PpoStage.run(spark, smallPpo), smallPpo.getString("instructgpt.ppo.output")));
            Config eval = over(c, "eval", "eval");
            run.stage("eval", c.getString("instructgpt.eval.output"), () -> EvalCommand.report(EvalStage.run(spark, eval)));
            run.stage("report", new org.apache.hadoop.fs.Path(c.getString("instructgpt.run-dir"), "report").toString(),
                    () -> System.err.println("report: " + RunReport.write(c) + "/report.md"));
            sample(spark, c);
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** The pipeline's settings {@code instructgpt.pipeline.<from>} over {@code instructgpt.<stage>}. */
    private static Config over(Config c, String from, String stage) {
        return c.getConfig("instructgpt.pipeline." + from).atPath("instructgpt." + stage).withFallback(c);
    }

    /** Greedy answers of the selected SFT model to the first evaluation prompts, judged by the world's gold judge. */
    private static void sample(SparkSession spark, Config c) throws Exception {
        Path dir = new Path(c.getString("instructgpt.sft-select.output"), "selected");
        ModelCheckpoint.Loaded sft = ModelCheckpoint.load(Fs.of(dir), dir, DataType.FLOAT);
        Tokenizer tok = sft.tokenizer().orElseThrow();
        List<DataRecord> prompts = DatasetIO.collect(spark, DatasetKind.PROMPTS,
                c.getString("instructgpt.world.output") + "/eval", "test");
        GoldJudge judge = new GoldJudge(WorldGenerator.factSeed(c.getLong("instructgpt.seed")),
                ChatTemplate.from(c.getConfig("instructgpt.data.chat-template")));
        // One prompt of every task family, held-out families included.
        List<DataRecord.Prompt> some = prompts.stream().map(p -> (DataRecord.Prompt) p)
                .collect(java.util.stream.Collectors.toMap(DataRecord.Prompt::task, p -> p, (a, b) -> a, java.util.TreeMap::new))
                .values().stream().toList();
        int positions = sft.model().config().nPositions;
        int maxNew = Math.min(24, positions / 4);
        ExampleEncoder enc = new ExampleEncoder(tok, positions);
        int[][] ids = some.stream().map(p -> enc.prompt(p.prompt(), positions - maxNew).ids()).toArray(int[][]::new);
        long[] seeds = new long[ids.length];
        GenerationResult r = new Generator(sft.model(), tok.eosId(), tok.padId()).generate(ids, seeds, SamplingConfig.greedy(maxNew));
        for (int i = 0; i < some.size(); i++) {
            String answer = tok.decode(r.responseTokens(i));
            GoldJudge.Verdict v = judge.judgePrompt(some.get(i).prompt(), answer);
            System.err.printf("[%s] %s ->%s  (gold %.2f)%n", v.family(), judge.message(some.get(i).prompt()),
                    answer.replace("\n", "\\n"), v.score());
        }
    }
}
