package org.instructgpt.jobs;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.instructgpt.config.Configs;
import org.instructgpt.ppo.PpoConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example configurations in conf/: every setting they name exists in reference.conf (a misspelt key would be
 * ignored silently), and the stage they are for accepts them.
 */
class ConfFilesTest {
    private static final Path CONF = Path.of("..").toAbsolutePath().normalize().resolve("conf");

    private static Config load(String name) {
        return Configs.load(CONF.resolve(name).toFile(), java.util.List.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {"local.conf", "gpt2-124m-ppo-gpu.conf", "gpt-1.3b-ppo-gpu.conf"})
    void everySettingIsOneTheDefaultsKnow(String name) {
        Config file = ConfigFactory.parseFile(new File(CONF.resolve(name).toString()));
        Config reference = ConfigFactory.parseResources(Configs.class.getClassLoader(), "reference.conf").resolve();
        for (Map.Entry<String, ?> e : file.entrySet()) {
            assertTrue(reference.hasPathOrNull(e.getKey()), name + ": " + e.getKey() + " is not a setting of reference.conf");
        }
        load(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-124m-ppo-gpu.conf", "gpt-1.3b-ppo-gpu.conf"})
    void theGpuPpoSettingsAreAValidPpoStage(String name) {
        PpoConfig p = PpoConfig.from(load(name));
        assertEquals(512, p.episodes());
        assertEquals(0, p.episodes() % p.partitions());
        assertTrue(p.ptxCoef() > 0, "ptx on");
    }
}
