package org.instructgpt.bench;

import org.instructgpt.data.PackedBlocks;
import com.typesafe.config.Config;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.SplitAssigner;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.tokenizer.Tokenizer;
import org.instructgpt.tokenizer.Tokenizers;
import org.instructgpt.world.World;
import org.instructgpt.world.WorldGenerator;
import org.instructgpt.world.WorldSpec;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.report.LossCurves;
import org.instructgpt.report.MetricsLog;
import org.instructgpt.train.DataParallelTrainer;
import org.instructgpt.train.LanguageModelObjective;
import org.instructgpt.train.OptimizerSettings;
import org.instructgpt.train.ShardedData;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;

/**
 * Time to the same validation loss: our data-parallel trainer (GPT-2, gradient averaging every step) against DL4J's
 * {@code ParameterAveragingTrainingMaster} (its Spark trainer, on the LSTM language model DL4J can build), on the same
 * packed blocks, partitions, global batch and learning rate. Training time is wall-clock time in the trainers' fit
 * calls; validation is measured between them, on the same held-out blocks, and is not counted.
 */
public final class TimeToLossBenchmark {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TimeToLossBenchmark.class);
    /** One validation point of a trainer's curve. */
    public record Point(long step, double seconds, double tokens, double validationLoss) {
    }

    /** A trainer's curve and the first time its validation loss reached the target (NaN if it did not). */
    public record Result(String trainer, long parameters, List<Point> curve, double secondsToTarget) {
        public double tokensPerSecond() {
            Point last = curve.get(curve.size() - 1);
            return last.tokens() / last.seconds();
        }

        public double finalLoss() {
            return curve.get(curve.size() - 1).validationLoss();
        }
    }

    /** What both trainers share: data layout, batch, target and budget. */
    public record Settings(int partitions, int batchSize, int blockSize, double targetLoss, double budgetSeconds,
                           int validateEvery, long seed) {
        public static Settings from(Config b, long seed) {
            return new Settings(b.getInt("partitions"), b.getInt("batch-size"), b.getInt("block-size"),
                    b.getDouble("target-loss"), b.getDouble("budget-seconds"), b.getInt("validate-every"), seed);
        }
    }

    /** Both trainers' results, the shared settings and where the curves were written. */
    public record Report(Settings settings, List<Result> results, String output) {
    }

    private TimeToLossBenchmark() {
    }

    /**
     * The benchmark as {@code instructgpt.bench.baseline} configures it: the world's pre-training text (generated from
     * {@code instructgpt.world}) packed into blocks, ours then DL4J's trainer, curves written to {@code output}.
     */
    public static Report run(JavaSparkContext sc, Config root) {
        Config b = root.getConfig("instructgpt.bench.baseline");
        long seed = root.getLong("instructgpt.seed");
        Settings s = Settings.from(b, seed);
        World world = new WorldGenerator(WorldSpec.from(root), ChatTemplate.from(root.getConfig("instructgpt.data.chat-template")))
                .generate();
        Tokenizer tok = Tokenizers.forSpec("byte-level");
        List<TokenizedExample> train = PackedBlocks.shuffled(PackedBlocks.of(texts(world, SplitAssigner.TRAIN), tok, s.blockSize()), seed);
        List<TokenizedExample> validation = PackedBlocks.of(texts(world, SplitAssigner.VALIDATION), tok, s.blockSize());
        validation = validation.subList(0, Math.min(validation.size(), b.getInt("validation-blocks")));
        Config m = b.getConfig("ours.model");
        GptConfig cfg = GptConfig.of(tok.vocabSize(), s.blockSize(), m.getInt("n-embd"), m.getInt("n-layer"), m.getInt("n-head"));
        OptimizerSettings opt = new OptimizerSettings(s.batchSize(), b.getInt("ours.micro-batch"), Long.MAX_VALUE,
                b.getDouble("learning-rate"), "constant", b.getLong("ours.warmup-steps"), 1.0, b.getDouble("beta1"),
                b.getDouble("beta2"), 1e-8, b.getDouble("weight-decay"), b.getDouble("clip-norm"));
        Dl4jCharLstm.Shape lstm = new Dl4jCharLstm.Shape(tok.vocabSize(), b.getInt("dl4j.embedding"), b.getInt("dl4j.hidden"),
                b.getInt("dl4j.layers"), b.getDouble("learning-rate"), b.getDouble("beta1"), b.getDouble("beta2"),
                b.getDouble("weight-decay"), b.getDouble("clip-norm"));
        LOG.info(String.format("%,d training blocks and %,d validation blocks of %d tokens; %d partitions, %d blocks per step",
                train.size(), validation.size(), s.blockSize(), s.partitions(), s.batchSize()));
        List<Result> results = List.of(ours(sc, s, cfg, opt, train, validation),
                dl4j(sc, s, lstm, b.getInt("dl4j.averaging-frequency"), b.getInt("dl4j.prefetch"), train, validation));
        write(results, b.getString("output"));
        return new Report(s, results, b.getString("output"));
    }

    private static List<String> texts(World w, String split) {
        return w.pretrain().stream().filter(d -> split.equals(d.split())).map(DataRecord.Document::text).toList();
    }

    public static Result ours(JavaSparkContext sc, Settings s, GptConfig cfg, OptimizerSettings opt,
                              List<TokenizedExample> train, List<TokenizedExample> validation) {
        ShardedData<TokenizedExample> tr = ShardedData.of(sc.parallelize(train, s.partitions()), s.partitions());
        ShardedData<TokenizedExample> va = ShardedData.of(sc.parallelize(validation, s.partitions()), s.partitions());
        Gpt2Model m = Gpt2Model.create(cfg, DataType.FLOAT, false);
        m.initialize(s.seed());
        DataParallelTrainer<TokenizedExample> t = new DataParallelTrainer<>(sc, tr, new LanguageModelObjective(cfg.padTokenId),
                m, opt, s.seed());
        List<Point> curve = new ArrayList<>();
        try {
            curve.add(new Point(0, 0, 0, t.evaluate(va).mean()));
            double clock = 0;
            double tokens = 0;
            long step = 0;
            while (clock < s.budgetSeconds() && curve.get(curve.size() - 1).validationLoss() > s.targetLoss()) {
                for (int k = 0; k < s.validateEvery(); k++) {
                    DataParallelTrainer.StepResult r = t.runStep();
                    clock += r.seconds();
                    tokens += r.weight();
                    step++;
                }
                curve.add(new Point(step, clock, tokens, t.evaluate(va).mean()));
                progress("ours", curve, s);
            }
        } finally {
            tr.release();
            va.release();
        }
        return new Result("ours: GPT-2, gradient averaging", cfg.parameterCount(), curve, secondsToTarget(curve, s.targetLoss()));
    }

    /**
     * DL4J's trainer: each partition trains {@code averagingFrequency} local minibatches of batch/partitions blocks,
     * then parameters and updater state are averaged (DL4J's documented scheme). A "step" is one global batch.
     */
    public static Result dl4j(JavaSparkContext sc, Settings s, Dl4jCharLstm.Shape shape, int averagingFrequency, int prefetch,
                              List<TokenizedExample> train, List<TokenizedExample> validation) {
        int perWorker = s.batchSize() / s.partitions();
        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(perWorker)
                .batchSizePerWorker(perWorker)
                .averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(prefetch)
                // Direct: DataSets stay in the RDD (the default, Export, first writes every minibatch to disk).
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .storageLevel(StorageLevel.MEMORY_ONLY())
                .rngSeed(s.seed())
                .collectTrainingStats(false)
                .build();
        SparkDl4jMultiLayer net = new SparkDl4jMultiLayer(sc, Dl4jCharLstm.configuration(shape, s.seed()), tm);
        List<Point> curve = new ArrayList<>();
        curve.add(new Point(0, 0, 0, Dl4jCharLstm.validationLoss(net.getNetwork(), validation, shape.vocab(), 32)));
        double clock = 0;
        double tokens = 0;
        long step = 0;
        int next = 0;
        while (clock < s.budgetSeconds() && curve.get(curve.size() - 1).validationLoss() > s.targetLoss()) {
            List<DataSet> chunk = new ArrayList<>();
            for (int k = 0; k < s.validateEvery() * s.partitions(); k++) {
                List<TokenizedExample> mb = new ArrayList<>();
                for (int i = 0; i < perWorker; i++) {
                    mb.add(train.get(next));
                    next = (next + 1) % train.size();
                }
                chunk.add(Dl4jCharLstm.dataSet(mb, shape.vocab()));
            }
            // The chunk is shipped and cached before the clock starts, as our trainer's data is.
            JavaRDD<DataSet> rdd = sc.parallelize(chunk, s.partitions()).persist(StorageLevel.MEMORY_ONLY());
            rdd.count();
            long start = System.nanoTime();
            net.fit(rdd);
            clock += (System.nanoTime() - start) / 1e9;
            rdd.unpersist(true);
            step += s.validateEvery();
            tokens += (double) s.validateEvery() * s.batchSize() * (s.blockSize() - 1);
            curve.add(new Point(step, clock, tokens,
                    Dl4jCharLstm.validationLoss(net.getNetwork(), validation, shape.vocab(), 32)));
            progress("dl4j", curve, s);
        }
        return new Result("DL4J ParameterAveragingTrainingMaster: LSTM, averaging every " + averagingFrequency,
                net.getNetwork().numParams(), curve, secondsToTarget(curve, s.targetLoss()));
    }

    /** The first time the curve reaches the target, interpolated linearly between validation points. */
    static double secondsToTarget(List<Point> curve, double target) {
        for (int i = 1; i < curve.size(); i++) {
            Point a = curve.get(i - 1);
            Point b = curve.get(i);
            if (b.validationLoss() <= target) {
                double f = (a.validationLoss() - target) / (a.validationLoss() - b.validationLoss());
                return a.seconds() + Math.max(0, Math.min(1, f)) * (b.seconds() - a.seconds());
            }
        }
        return Double.NaN;
    }

    private static void progress(String who, List<Point> curve, Settings s) {
        Point p = curve.get(curve.size() - 1);
        LOG.info(String.format("%s: step %d, %.1f s, validation loss %.4f (target %.3f, budget %.0f s)", who, p.step(),
                p.seconds(), p.validationLoss(), s.targetLoss(), s.budgetSeconds()));
    }

    /** Curves as JSON lines ({@code kind} = trainer) and a PNG of validation loss against training seconds. */
    public static void write(List<Result> results, String dir) {
        MetricsLog log = new MetricsLog(new Path(dir, "curves.jsonl"));
        XYChart chart = new XYChartBuilder().width(900).height(500).title("time to the same validation loss")
                .xAxisTitle("training seconds").yAxisTitle("validation loss (nats/token)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        for (Result r : results) {
            for (Point p : r.curve()) {
                log.record(r.trainer(), p.step()).put("seconds", p.seconds()).put("tokens", p.tokens())
                        .put("validation_loss", p.validationLoss()).put("parameters", r.parameters());
            }
            chart.addSeries(r.trainer(), r.curve().stream().mapToDouble(Point::seconds).toArray(),
                    r.curve().stream().mapToDouble(Point::validationLoss).toArray());
        }
        log.flush();
        LossCurves.save(chart, new Path(dir, "time-to-loss.png"));
    }
}
