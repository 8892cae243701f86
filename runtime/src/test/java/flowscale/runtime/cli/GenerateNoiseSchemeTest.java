package flowscale.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.runtime.cli.CliFixture.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --noise-scheme}: recorded in trace.json, quantile-v2 unless chosen, reproducible, a bad name refused in one line. */
class GenerateNoiseSchemeTest {

    private static JsonNode generate(Path out, String... extra) throws Exception {
        String[] base = {"generate", "--model", "toy:gmm", "--method", "rbf", "--sampler", "vp-sde", "--budget", "200",
                "--seed", "3", "--out", out.toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        Run r = run(args);
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(out.resolve("trace.json").toFile());
    }

    @Test
    void theSchemeIsRecordedAndReproducesItsRun(@TempDir Path dir) throws Exception {
        JsonNode byDefault = generate(dir.resolve("default"));
        JsonNode v1 = generate(dir.resolve("v1"), "--noise-scheme", "boxmuller-v1");
        JsonNode v2 = generate(dir.resolve("v2"), "--noise-scheme", "quantile-v2");
        JsonNode v2again = generate(dir.resolve("v2again"), "--noise-scheme", "quantile-v2");
        assertEquals("quantile-v2", byDefault.get("noiseScheme").asText());
        assertEquals("boxmuller-v1", v1.get("noiseScheme").asText());
        assertEquals("quantile-v2", v2.get("noiseScheme").asText());
        assertEquals(byDefault.get("levels"), v2.get("levels"), "the default is quantile-v2");
        assertEquals(v2.get("levels"), v2again.get("levels"), "a scheme reproduces its run");
        assertNotEquals(v1.get("levels"), v2.get("levels"), "another scheme is other noise");
    }

    @Test
    void anUnknownSchemeIsOneLineAndExit2(@TempDir Path dir) {
        Path out = dir.resolve("x");
        Run r = run("generate", "--model", "toy:gmm", "--noise-scheme", "ziggurat", "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        String err = r.err().strip();
        assertTrue(err.startsWith("error: "), err);
        assertFalse(err.contains("\n"), "one line: " + err);
        assertTrue(err.contains("ziggurat") && err.contains("boxmuller-v1") && err.contains("quantile-v2"), err);
        assertFalse(Files.exists(out), "no output for a refused run");
    }
}
