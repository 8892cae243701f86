package flowscale.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.runtime.cli.CliFixture.Run;
import flowscale.runtime.search.SearchMethods;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerateCommandTest {
    @Test
    void generateOnTheToyWritesATraceWithTheRequiredFieldsForEveryMethod(@TempDir Path dir) throws Exception {
        for (String method : SearchMethods.names()) {
            Path out = dir.resolve(method);
            Run r = run("generate", "--model", "toy:gmm", "--method", method, "--sampler", "vp-sde",
                    "--budget", "500", "--seed", "1", "--out", out.toString());
            assertEquals(0, r.code(), method + ": " + r.err());
            JsonNode t = new ObjectMapper().readTree(out.resolve("trace.json").toFile());
            for (String field : new String[] {"method", "sampler", "budget", "nfe", "rewardCalls", "seed", "best", "levels", "timings"}) {
                assertTrue(t.has(field), method + " trace lacks " + field);
            }
            assertEquals(method, t.get("method").asText());
            assertEquals("vp-sde", t.get("sampler").asText());
            assertEquals(500, t.get("budget").asLong());
            assertTrue(t.get("nfe").asLong() <= 500);
            assertTrue(t.get("best").get("reward").isNumber());
            assertTrue(t.get("levels").size() > 0);
            BufferedImage png = ImageIO.read(out.resolve("particles.png").toFile());
            assertNotNull(png, method + " wrote no readable PNG");
            assertTrue(r.out().contains("best reward"), r.out());
            assertTrue(r.err().contains("NFE"), "progress lines on stderr: " + r.err());
        }
    }

    @Test
    void rbfPaperVariantAndSearchOptionsAreAccepted(@TempDir Path dir) throws Exception {
        Run r = run("generate", "--model", "toy:gmm", "--method", "rbf", "--rbf-variant", "paper", "--sampler", "linear-sde", "--budget", "300",
                "--steps", "8", "--search-opt", "n=3", "--reward", "mode:2", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode t = new ObjectMapper().readTree(dir.resolve("trace.json").toFile());
        assertEquals("paper", t.get("parameters").get("variant").asText());
        assertEquals(3, t.get("parameters").get("chains").asInt());
        assertEquals(8, t.get("steps").asInt());
        assertEquals("mode:2", t.get("reward").asText());
    }

    @Test
    void badMethodSamplerOrBudgetExitsWith2AndOneLine(@TempDir Path dir) {
        String[][] bad = {
            {"generate", "--model", "toy:gmm", "--method", "beam", "--out", dir.resolve("a").toString()},
            {"generate", "--model", "toy:gmm", "--sampler", "euler", "--out", dir.resolve("b").toString()},
            {"generate", "--model", "toy:gmm", "--method", "svdd", "--budget", "100", "--out", dir.resolve("c").toString()},
            {"generate", "--model", "toy:cat", "--out", dir.resolve("d").toString()},
            {"generate", "--model", "toy:gmm", "--reward", "mode:9", "--out", dir.resolve("e").toString()},
            {"generate", "--model", "toy:gmm", "--method", "smc", "--search-opt", "bogus=1", "--out", dir.resolve("f").toString()},
            {"generate", "--model", "toy:gmm", "--method", "bon", "--rbf-variant", "paper", "--out", dir.resolve("g").toString()},
            {"generate", "--model", "toy:gmm", "--budget", "abc", "--out", dir.resolve("h").toString()},
        };
        for (String[] args : bad) {
            Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", args) + " -> " + r.err());
            String err = r.err().strip();
            assertTrue(err.startsWith("error: "), err);
            assertFalse(err.contains("\n"), "one line: " + err);
            assertFalse(err.contains("Exception"), err);
        }
        for (String d : new String[] {"a", "b", "c", "d", "e", "f", "g", "h"}) {
            assertFalse(Files.exists(dir.resolve(d)), "no output for a refused run: " + d);
        }
    }
}
