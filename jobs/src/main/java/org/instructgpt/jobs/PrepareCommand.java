package org.instructgpt.jobs;

import com.typesafe.config.Config;
import org.instructgpt.config.Configs;
import org.instructgpt.world.WorldStage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** Generates the embedded world (tasks, pre-training text, labeler data) as the pipeline's datasets. */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = "Generate the embedded default world into instructgpt.world.output. Settings: instructgpt.world.*")
public final class PrepareCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        Config c = config.load();
        System.err.println(Configs.render(c, "instructgpt.world"));
        return TrainingCommands.withSpark(c, "prepare", "instructgpt.world.output", WorldStage::run);
    }
}
