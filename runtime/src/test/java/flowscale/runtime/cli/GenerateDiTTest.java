package flowscale.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.runtime.cli.CliFixture.Run;
import flowscale.runtime.search.SearchMethods;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static flowscale.runtime.cli.CliFixture.assertImage;
import static flowscale.runtime.cli.CliFixture.assertUsage;
import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code generate --model FILE.safetensors}: every search method end to end on a tiny random-weight DiT. */
class GenerateDiTTest {
    static final int BUDGET = 200;

    @TempDir
    static Path dir;
    static Path checkpoint;

    @BeforeAll
    static void writeTinyModel() {
        checkpoint = CliFixture.tinyDiT(dir, 42);
    }

    @Test
    void everyMethodRunsWithinItsBudgetAndWritesImages() throws Exception {
        for (String method : SearchMethods.names()) {
            Path out = dir.resolve("out-" + method);
            Run r = run("generate", "--model", checkpoint.toString(), "--prompt", "2 red circles and 1 blue square",
                    "--method", method, "--budget", Integer.toString(BUDGET), "--steps", "4", "--seed", "3",
                    "--backend", "cpu", "--out", out.toString());
            assertEquals(0, r.code(), method + ": " + r.err());
            JsonNode t = new ObjectMapper().readTree(out.resolve("trace.json").toFile());
            assertEquals(method, t.get("method").asText());
            assertTrue(t.get("nfe").asLong() <= BUDGET, method + " spent " + t.get("nfe") + " NFE");
            assertTrue(t.get("nfe").asLong() > 0, method + " spent no NFE");
            assertEquals("counting", t.get("reward").asText());
            assertImage(out.resolve("best.png"), 32, 32);
            assertImage(out.resolve("best_x8.png"), 256, 256);
            BufferedImage grid = ImageIO.read(out.resolve("candidates.png").toFile());
            assertNotNull(grid, method + ": candidates.png unreadable");
            assertTrue(grid.getWidth() >= 128, method + ": grid too small");
            assertTrue(r.out().contains("best reward"), r.out());
            assertFalse(r.out().contains("best reward") && r.out().contains("at ["), "the image must not be printed: " + r.out());
        }
    }

    @Test
    void guidanceDoublesTheCostPerLatent() throws Exception {
        Path out = dir.resolve("out-cfg");
        Run r = run("generate", "--model", checkpoint.toString(), "--prompt", "3 green triangles", "--method", "bon",
                "--budget", "40", "--steps", "4", "--cfg", "3", "--backend", "cpu", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode t = new ObjectMapper().readTree(out.resolve("trace.json").toFile());
        long nfe = t.get("nfe").asLong();
        assertTrue(nfe <= 40 && nfe > 0 && nfe % 2 == 0, "guided NFE " + nfe);
        assertTrue(r.out().contains("cfg 3.0"), r.out());
    }

    @Test
    void badInputIsOneLineWithExitCode2() throws Exception {
        Run noPrompt = run("generate", "--model", checkpoint.toString(), "--out", dir.resolve("x1").toString());
        assertUsage(noPrompt, "--prompt is required for image models");

        Run badPrompt = run("generate", "--model", checkpoint.toString(), "--prompt", "7 purple dragons",
                "--out", dir.resolve("x2").toString());
        assertEquals(2, badPrompt.code(), badPrompt.err());

        Run badBackend = run("generate", "--model", checkpoint.toString(), "--prompt", "1 red circle",
                "--backend", "quantum", "--out", dir.resolve("x3").toString());
        assertUsage(badBackend, "unknown backend 'quantum'");

        Path missing = dir.resolve("missing.safetensors");
        assertUsage(run("generate", "--model", missing.toString(), "--prompt", "1 red circle", "--out", dir.resolve("x4").toString()),
                "does not exist");

        Path notDit = dir.resolve("notdit.safetensors");
        new flowscale.loader.SafetensorsWriter().metadata("flowscale.arch", "unet")
                .addF32("w", new long[] {1}, new float[] {1}).write(notDit);
        assertUsage(run("generate", "--model", notDit.toString(), "--prompt", "1 red circle", "--out", dir.resolve("x5").toString()),
                "flowscale.arch is 'unet', expected 'dit'");

        assertUsage(run("generate", "--model", "toy:gmm", "--cfg", "2", "--out", dir.resolve("x7").toString()),
                "--cfg applies to image models");

        Path garbage = dir.resolve("garbage.safetensors");
        Files.writeString(garbage, "not a safetensors file at all");
        Run g = run("generate", "--model", garbage.toString(), "--prompt", "1 red circle", "--out", dir.resolve("x6").toString());
        assertEquals(2, g.code(), g.err());
        for (String d : new String[] {"x1", "x2", "x3", "x4", "x5", "x6", "x7"}) {
            assertFalse(Files.exists(dir.resolve(d)), d + " was created for a failed run");
        }
    }
}
