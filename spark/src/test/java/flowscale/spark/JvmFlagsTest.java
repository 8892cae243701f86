package flowscale.spark;

import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JVM options the launcher gives {@code ./flowscale batch} (and the tests' JVM) are those Spark's own launcher
 * adds, so that a Spark upgrade that adds one fails here rather than at a user's first run.
 */
class JvmFlagsTest {
    @Test
    void theLauncherGivesEveryOptionSparksLauncherAdds() throws IOException {
        String flags;
        try (InputStream in = JvmFlagsTest.class.getResourceAsStream("jvm-flags.txt")) {
            assertNotNull(in, "jvm-flags.txt is built into the classes");
            flags = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        List<String> ours = Arrays.asList(flags.split("\\s+"));
        for (String option : JavaModuleOptions.defaultModuleOptionArray()) {
            assertTrue(ours.contains(option), "the launcher lacks " + option + " (spark.jvm.flags in spark/pom.xml)");
        }
    }
}
