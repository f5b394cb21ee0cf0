package org.instructgpt.jobs;

import com.typesafe.config.Config;
import org.instructgpt.config.Configs;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/** The options every subcommand shares: a HOCON file and key=value overrides. */
final class ConfigOptions {
    @Option(names = {"-c", "--config"}, description = "HOCON file overriding the defaults (see conf/)")
    File file;

    @Option(names = "--preset", description = "a named set of settings under your own: ci (every pipeline stage at a"
            + " tiny scale, in a couple of minutes)")
    String preset;

    @Option(names = {"-s", "--set"}, description = "override one setting, e.g. --set instructgpt.seed=7 (repeatable)")
    List<String> overrides = new ArrayList<>();

    Config load() {
        return Configs.load(preset, file, overrides);
    }
}
