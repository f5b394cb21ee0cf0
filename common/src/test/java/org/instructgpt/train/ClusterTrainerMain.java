package org.instructgpt.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.tokenizer.ByteLevelTokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Trains the trainer test's model for three steps on a real multi-process Spark cluster (local-cluster: a master and
 * two workers in this JVM, each executor in its own JVM) and writes the parameters to the file given as argument.
 * Started as a child process by {@link MultiProcessClusterTest}.
 */
public final class ClusterTrainerMain {
    private ClusterTrainerMain() {
    }

    public static void main(String[] args) throws Exception {
        String opens = System.getProperty("instructgpt.test.executorOpts", "");
        SparkSession spark = SparkSession.builder()
                .master("local-cluster[2,1,1024]")
                .appName("instructgpt-cluster-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executor.extraJavaOptions", opens)
                .config("spark.executorEnv.OMP_NUM_THREADS", "1")
                .config("spark.executorEnv.OPENBLAS_NUM_THREADS", "1")
                .config("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .config("spark.kryo.registrator", "org.instructgpt.spark.KryoRegistrator")
                .getOrCreate();
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            long driver = ProcessHandle.current().pid();
            java.util.List<Long> executors = sc.parallelize(java.util.List.of(1, 2, 3, 4), 4)
                    .map(x -> ProcessHandle.current().pid()).distinct().collect();
            System.out.println("driver pid " + driver + ", executor pids " + executors);
            if (executors.size() != 2 || executors.contains(driver)) {
                throw new IllegalStateException("expected two executor JVMs apart from the driver, got " + executors);
            }
            DataParallelTrainerTest.sc = sc;
            DataParallelTrainerTest.examples = null;
            DataParallelTrainerTest.buildExamples();
            ShardedData<TokenizedExample> data = ShardedData.of(sc.parallelize(DataParallelTrainerTest.examples, 3), 2);
            DataParallelTrainer<TokenizedExample> t = new DataParallelTrainer<>(sc, data,
                    new LanguageModelObjective(ByteLevelTokenizer.PAD), DataParallelTrainerTest.freshModel(),
                    DataParallelTrainerTest.OPT, 17);
            for (int s = 0; s < 3; s++) {
                t.runStep();
            }
            Files.write(Path.of(args[0]), FloatBytes.toBytes(t.model().params().flat()));
        } finally {
            spark.stop();
        }
    }
}
