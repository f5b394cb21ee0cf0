package org.instructgpt.jobs;

import picocli.CommandLine.Option;

/** {@code --resume} for the commands that train: sets {@code <key>.resume = true} before the config is loaded. */
final class ResumeOption {
    @Option(names = "--resume", description = "continue training from the newest valid checkpoint")
    boolean resume;

    void applyTo(ConfigOptions config, String section) {
        if (resume) {
            config.overrides.add("instructgpt." + section + ".resume=true");
        }
    }
}
