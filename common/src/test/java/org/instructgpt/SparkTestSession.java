package org.instructgpt;

import org.apache.spark.sql.SparkSession;

/** One local Spark session for all tests of a JVM (starting Spark takes seconds). */
public final class SparkTestSession {
    private static SparkSession spark;

    private SparkTestSession() {
    }

    public static synchronized SparkSession get() {
        if (spark == null) {
            spark = SparkSession.builder()
                    // Two task slots; a failed task is retried once, as on a cluster (plain local[N] never retries).
                    .master("local[2,2]")
                    .appName("instructgpt-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.default.parallelism", "2")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.sql.session.timeZone", "UTC")
                    // As in reference.conf, so tests serialize the way jobs do.
                    .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                    .config("spark.kryo.registrator", "org.instructgpt.spark.KryoRegistrator,org.nd4j.kryo.Nd4jRegistrator")
                    .getOrCreate();
            spark.sparkContext().setLogLevel("WARN");
        }
        return spark;
    }
}
