package org.instructgpt.train;

import com.typesafe.config.Config;
import org.instructgpt.model.EngineKind;

/** The settings every training stage shares (instructgpt.train.*), with a stage's own section overriding them. */
public record StageSettings(int partitions, long logEvery, long checkpointEvery, int keepCheckpoints, boolean resume,
                            long seed, EngineKind engine, ExchangeSettings exchange) {
    public static StageSettings from(Config root, String stage) {
        Config c = root.getConfig("instructgpt." + stage).withFallback(root.getConfig("instructgpt.train"));
        return new StageSettings(c.getInt("partitions"), c.getLong("log-every"), c.getLong("checkpoint-every"),
                c.getInt("keep-checkpoints"), c.getBoolean("resume"), root.getLong("instructgpt.seed"),
                EngineKind.parse(c.getString("engine")), ExchangeSettings.from(c));
    }

    public TrainingLoop.Settings loop(String stage, String output, long steps, long validateEvery) {
        return new TrainingLoop.Settings(stage, output, steps, logEvery, validateEvery, checkpointEvery, keepCheckpoints, resume);
    }
}
