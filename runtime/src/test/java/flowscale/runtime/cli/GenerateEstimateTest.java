package flowscale.runtime.cli;

import flowscale.runtime.cli.CliFixture.Run;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.runtime.model.DiTCheckpoints;
import flowscale.runtime.model.DiTConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code generate --estimate} and {@code evaluate --estimate}: a shortcut checkpoint searched and sampled with its
 * one-step estimate, and the errors in one line.
 */
class GenerateEstimateTest {


    @Test
    void aShortcutCheckpointIsSearchedWithItsOneStepEstimate(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("shortcut.safetensors");
        DiTCheckpoints.random(DiTConfig.of(16, 1, 2, 2.0, 4, 3).withShortcut(true), 4, model);
        String[][] cases = {{"auto", "schnell", "498"}, {"faithful", "faithful", "496"}};
        for (String[] c : cases) {
            Path out = dir.resolve(c[0]);
            Run r = run("generate", "--model", model.toString(), "--method", "rbf", "--estimate", c[0], "--budget", "500", "--prompt", "2 red circles",
                    "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            JsonNode trace = new ObjectMapper().readTree(out.resolve("trace.json").toFile());
            assertEquals(c[1], trace.at("/parameters/estimate").asText(), trace.toString());
            assertEquals(Long.parseLong(c[2]), trace.get("nfe").asLong());
        }
    }

    @Test
    void evaluateSamplesAShortcutCheckpointInOneStep(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("shortcut.safetensors"), base = dir.resolve("base.safetensors");
        DiTCheckpoints.random(DiTConfig.of(16, 1, 2, 2.0, 4, 3).withShortcut(true), 4, model);
        DiTCheckpoints.random(DiTConfig.of(16, 1, 2, 2.0, 4, 3), 4, base);
        Run r = run("evaluate", "--model", model.toString(), "--count", "3", "--steps", "1", "--out", dir.resolve("e").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(dir.resolve("e").resolve("evaluation.json").toFile());
        assertEquals("schnell", json.get("estimate").asText());
        Run bad = run("evaluate", "--model", base.toString(), "--count", "3", "--estimate", "faithful", "--out", dir.resolve("f").toString());
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("one-step estimate"), bad.err());
    }

    @Test
    void aOneStepEstimateOfAModelWithoutOneAndUnknownModesFailInOneLine(@TempDir Path dir) {
        for (String mode : new String[] {"schnell", "jump"}) {
            Run r = run("generate", "--model", "toy:gmm", "--method", "bon", "--estimate", mode, "--out", dir.resolve(mode).toString());
            assertEquals(2, r.code(), r.err());
            String e = r.err().strip();
            assertEquals(1, e.lines().count(), e);
            assertFalse(e.contains("Exception"), e);
            assertTrue(e.contains(mode.equals("jump") ? "unknown estimate" : "one-step estimate"), e);
        }
    }
}
