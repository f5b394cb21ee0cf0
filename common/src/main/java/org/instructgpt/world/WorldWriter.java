package org.instructgpt.world;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.instructgpt.data.DatasetIO;
import org.instructgpt.data.DatasetKind;
import org.instructgpt.io.Fs;


/**
 * Writes a world as the pipeline's datasets: {@code pretrain/}, {@code sft/} (demonstrations), {@code rm/}
 * (comparisons), {@code ppo/} and {@code eval/} (prompts), and {@code world.json}. The same world gives the same
 * files, byte for byte.
 */
public final class WorldWriter {
    public static final String PRETRAIN = "pretrain";
    public static final String SFT = "sft";
    public static final String RM = "rm";
    public static final String PPO = "ppo";
    public static final String EVAL = "eval";
    public static final String REPORT = "world.json";

    private WorldWriter() {
    }

    /** Writes everything beside {@code output} first; a previous world there is replaced only once this one is whole. */
    public static void write(SparkSession spark, World w, String output) {
        Fs.writeDirectory(new Path(output), out -> {
            FileSystem fs = Fs.of(out);
            DatasetIO.write(spark, w.pretrain(), DatasetKind.PRETRAIN, new Path(out, PRETRAIN).toString());
            DatasetIO.write(spark, w.sft(), DatasetKind.DEMONSTRATIONS, new Path(out, SFT).toString());
            DatasetIO.write(spark, w.rm(), DatasetKind.COMPARISONS, new Path(out, RM).toString());
            DatasetIO.write(spark, w.ppo(), DatasetKind.PROMPTS, new Path(out, PPO).toString());
            DatasetIO.write(spark, w.eval(), DatasetKind.PROMPTS, new Path(out, EVAL).toString());
            try (FSDataOutputStream os = fs.create(new Path(out, REPORT), true)) {
                os.write(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(w.report()));
            }
        });
    }
}
