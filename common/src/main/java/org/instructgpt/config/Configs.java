package org.instructgpt.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;

import java.io.File;
import java.util.List;

/** The effective configuration of a run: overrides, then a user's file, then the defaults in reference.conf. */
public final class Configs {
    private Configs() {
    }

    /**
     * @param file      a HOCON file or null
     * @param overrides {@code key=value} pairs, each parsed as HOCON (so lists and numbers work)
     */
    public static Config load(File file, List<String> overrides) {
        return load(null, file, overrides);
    }

    /** Presets shipped in the jar (instructgpt/presets/NAME.conf). */
    public static final List<String> PRESETS = List.of("ci");

    /**
     * @param preset a named set of settings between the defaults and the user's file (for example {@code ci}: every
     *               stage of the pipeline at a tiny scale), or null
     */
    public static Config load(String preset, File file, List<String> overrides) {
        // Unresolved, so that a path built from another setting (sft.data = ${world.output}"/sft") follows overrides.
        Config c = ConfigFactory.parseResources(Configs.class.getClassLoader(), "reference.conf");
        if (preset != null) {
            if (!PRESETS.contains(preset)) {
                throw new IllegalArgumentException("--preset " + preset + ": no such preset (there are " + PRESETS + ")");
            }
            c = ConfigFactory.parseResources(Configs.class.getClassLoader(), "instructgpt/presets/" + preset + ".conf")
                    .withFallback(c);
        }
        if (file != null) {
            if (!file.isFile()) {
                throw new IllegalArgumentException("config file " + file + " does not exist");
            }
            c = ConfigFactory.parseFile(file).withFallback(c);
        }
        for (String o : overrides == null ? List.<String>of() : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("override '" + o + "' is not key=value");
            }
            c = ConfigFactory.parseString(o.substring(0, eq).trim() + " = " + o.substring(eq + 1)).withFallback(c);
        }
        return c.resolve();
    }

    /** A readable rendering of one subtree, for the log. */
    public static String render(Config c, String path) {
        return path + " " + c.getConfig(path).root().render(ConfigRenderOptions.concise().setFormatted(true).setJson(false));
    }
}
