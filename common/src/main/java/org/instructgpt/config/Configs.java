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
        // Unresolved, so that a path built from another setting (sft.data = ${world.output}"/sft") follows overrides.
        Config c = ConfigFactory.parseResources(Configs.class.getClassLoader(), "reference.conf");
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
