package org.instructgpt.spark;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.util.Map;

/**
 * The Spark session of a job. Under spark-submit the master and resources come from spark-submit and are left alone;
 * run directly (bin/instructgpt, tests) the session uses {@code instructgpt.spark.master} (local mode by default).
 * {@code instructgpt.spark.conf} adds Spark settings either way, unless spark-submit already set them.
 */
public final class SparkSessions {
    private static final String OUR_LOGGERS = "org.instructgpt";

    private SparkSessions() {
    }

    public static SparkSession open(Config c, String appName) {
        Config s = c.getConfig("instructgpt.spark");
        SparkConf conf = new SparkConf();
        if (!conf.contains("spark.master")) {
            conf.setMaster(s.getString("master"));
        }
        conf.setIfMissing("spark.app.name", appName);
        for (Map.Entry<String, ConfigValue> e : s.getConfig("conf").entrySet()) {
            String key = e.getKey().replace("\"", "");
            conf.setIfMissing(key, String.valueOf(e.getValue().unwrapped()));
        }
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        spark.sparkContext().setLogLevel(s.getString("log-level"));
        keepOurProgressVisible();
        return spark;
    }

    /**
     * Under spark-submit without a log4j2.properties of the user's, Spark's own defaults name no logger for our
     * package, so the root level just set (WARN) would hide every stage's progress on the driver: ours stays at INFO
     * unless the user's configuration names it.
     */
    private static void keepOurProgressVisible() {
        if (LogManager.getContext(false) instanceof LoggerContext ctx
                && !ctx.getConfiguration().getLoggers().containsKey(OUR_LOGGERS)) {
            Configurator.setLevel(OUR_LOGGERS, Level.INFO);
        }
    }
}
