package flowscale.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.runtime.UserError;
import flowscale.runtime.application.DefaultModel;
import flowscale.runtime.application.PromptsFile;
import flowscale.runtime.cli.CliFixture.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static flowscale.runtime.cli.CliFixture.assertImage;
import static flowscale.runtime.cli.CliFixture.assertUsage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The main job on a tiny random-weight DiT: the report, many prompts, bad prompt files, a stop request
 * (what Ctrl-C sets) and where the default model is looked for.
 */
class MainJobTest {
    static final String PROMPT = "2 red circles and 1 blue square";

    @TempDir
    static Path dir;
    static Path checkpoint;

    @BeforeAll
    static void writeTinyModel() {
        checkpoint = CliFixture.tinyDiT(dir, 7);
    }

    private static Run run(boolean stopRequested, String... args) {
        CommandLine cl = Main.commandLine();
        if (stopRequested) {
            GenerateCommand generate = cl.getSubcommands().get("generate").getCommand();
            generate.stop.request();
        }
        return CliFixture.run(cl, args);
    }

    private static Run run(String... args) {
        return run(false, args);
    }

    private static JsonNode trace(Path out) throws Exception {
        return new ObjectMapper().readTree(out.resolve("trace.json").toFile());
    }

    @Test
    void aRunWritesImagesTraceAndASelfContainedReport() throws Exception {
        Path out = dir.resolve("single");
        Run r = run("generate", "--model", checkpoint.toString(), "--prompt", PROMPT, "--budget", "100", "--steps", "4",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode t = trace(out);
        assertEquals("rbf", t.get("method").asText(), "rbf is the default method");
        assertEquals("vp-sde", t.get("sampler").asText(), "vp-sde is the default sampler");
        assertEquals(0, t.get("seed").asLong(), "seed 0 is the default");
        assertFalse(t.get("interrupted").asBoolean());
        assertImage(out.resolve("best.png"), 32, 32);
        assertImage(out.resolve("best_x8.png"), 256, 256);
        assertNotNull(ImageIO.read(out.resolve("candidates.png").toFile()));
        String html = Files.readString(out.resolve("report.html"));
        assertSelfContained(html);
        assertTrue(html.contains(PROMPT), "the report names the prompt");
        assertTrue(html.contains("<svg"), "plots are inline SVG");
        assertTrue(html.contains("image-rendering: pixelated"));
        assertTrue(html.contains("src=\"data:image/png;base64,"), "images are inlined");
        for (String part : new String[] {"rbf", "vp-sde", "Best reward vs NFE", "Candidates per level", "Time", "red circles"}) {
            assertTrue(html.contains(part), "report lacks " + part);
        }
        assertFalse(html.contains("Interrupted"), "a finished run is not reported as interrupted");
        assertEquals(1, r.err().strip().lines().count(), "not a terminal: one summary line on stderr: " + r.err());
        assertTrue(r.err().contains("NFE") && r.err().contains("best"), r.err());
        assertNoTemporaryFiles(out);
    }

    @Test
    void aPromptsFileRunsEveryPromptIntoItsOwnDirectoryWithAnIndex() throws Exception {
        Path file = dir.resolve("prompts.txt");
        Files.writeString(file, "# two prompts\n" + PROMPT + "\n\n   \n3 green triangles\n");
        Path out = dir.resolve("many");
        Run r = run("generate", "--model", checkpoint.toString(), "--prompts", file.toString(), "--method", "bon",
                "--budget", "24", "--steps", "4", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        String[] dirs = {"001-2-red-circles-and-1-blue-square", "002-3-green-triangles"};
        for (String d : dirs) {
            assertTrue(Files.isRegularFile(out.resolve(d).resolve("report.html")), d);
            assertImage(out.resolve(d).resolve("best.png"), 32, 32);
            assertEquals("bon", trace(out.resolve(d)).get("method").asText());
        }
        try (Stream<Path> children = Files.list(out)) {
            assertEquals(3, children.count(), "two prompt directories and index.html");
        }
        String index = Files.readString(out.resolve("index.html"));
        assertSelfContained(index);
        for (String d : dirs) assertTrue(index.contains("href=\"" + d + "/report.html\""), index);
        assertTrue(index.contains("3 green triangles"));
        assertTrue(Files.readString(out.resolve(dirs[1]).resolve("report.html")).contains("3 green triangles"));
    }

    @Test
    void aBadPromptsLineIsOneLineNamingItBeforeAnyWork() throws Exception {
        Path file = dir.resolve("bad-prompts.txt");
        Files.writeString(file, "1 red circle\n# fine so far\n7 purple dragons\n");
        Path out = dir.resolve("bad");
        Run r = run("generate", "--model", checkpoint.toString(), "--prompts", file.toString(), "--out", out.toString());
        assertUsage(r, "line 3");
        assertFalse(Files.exists(out), "nothing written");

        Files.writeString(file, "# nothing but comments\n\n");
        assertUsage(run("generate", "--model", checkpoint.toString(), "--prompts", file.toString(), "--out", out.toString()),
                "has no prompts");
        assertUsage(run("generate", "--model", checkpoint.toString(), "--prompts", dir.resolve("none.txt").toString(),
                "--out", out.toString()), "no such file");
        assertUsage(run("generate", "--model", checkpoint.toString(), "--prompts", file.toString(), "--prompt", PROMPT,
                "--out", out.toString()), "exclude each other");
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void aStopRequestStillWritesTheBestSoFarMarkedInterrupted() throws Exception {
        Path out = dir.resolve("stopped");
        Run r = run(true, "generate", "--model", checkpoint.toString(), "--prompt", PROMPT, "--budget", "100",
                "--steps", "4", "--out", out.toString());
        assertEquals(GenerateCommand.EXIT_INTERRUPTED, r.code(), r.err());
        JsonNode t = trace(out);
        assertTrue(t.get("interrupted").asBoolean());
        assertEquals(50, t.get("nfe").asLong(), "rbf stops after its first batch, the 2 x 25 initial candidates");
        assertTrue(t.get("best").get("reward").isNumber());
        assertImage(out.resolve("best.png"), 32, 32);
        assertImage(out.resolve("best_x8.png"), 256, 256);
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("Interrupted after 50 of 100 NFE"), "the report says so");
        assertSelfContained(html);
        assertTrue(r.out().contains("INTERRUPTED"), r.out());
        assertTrue(r.err().contains("interrupted"), r.err());
        assertNoTemporaryFiles(out);
    }

    @Test
    void aStopRequestDuringManyPromptsFinishesTheCurrentOneAndSkipsTheRest() throws Exception {
        Path file = dir.resolve("three.txt");
        Files.writeString(file, "1 red circle\n2 blue squares\n3 green triangles\n");
        Path out = dir.resolve("many-stopped");
        Run r = run(true, "generate", "--model", checkpoint.toString(), "--prompts", file.toString(), "--method", "bon",
                "--budget", "24", "--steps", "4", "--out", out.toString());
        assertEquals(GenerateCommand.EXIT_INTERRUPTED, r.code(), r.err());
        assertTrue(trace(out.resolve("001-1-red-circle")).get("interrupted").asBoolean());
        assertFalse(Files.exists(out.resolve("002-2-blue-squares")));
        String index = Files.readString(out.resolve("index.html"));
        assertTrue(index.contains("2 prompts were not run"), index);
    }

    @Test
    void theDefaultModelIsLookedForHereThenBesideTheInstallation(@TempDir Path tmp) throws Exception {
        Path cwd = Files.createDirectories(tmp.resolve("cwd"));
        Path repo = tmp.resolve("repo");
        Path jar = Files.createDirectories(repo.resolve("runtime/target")).resolve("flowscale.jar");
        Path classes = repo.resolve("runtime/target/classes");

        UserError missing = assertThrows(UserError.class, () -> DefaultModel.resolve(cwd, jar));
        String msg = missing.getMessage();
        assertFalse(msg.contains("\n"), msg);
        assertTrue(msg.contains(cwd.resolve(DefaultModel.RELATIVE).toAbsolutePath().toString()), msg);
        assertTrue(msg.contains(repo.resolve(DefaultModel.RELATIVE).toString()), msg);
        assertTrue(msg.contains("--model"), msg);
        assertEquals(repo.resolve(DefaultModel.RELATIVE), DefaultModel.installedCopy(classes));

        Files.createDirectories(repo.resolve("weights"));
        Files.copy(checkpoint, repo.resolve(DefaultModel.RELATIVE));
        assertEquals(repo.resolve(DefaultModel.RELATIVE).toString(), DefaultModel.resolve(cwd, jar));
        assertEquals(repo.resolve(DefaultModel.RELATIVE).toString(), DefaultModel.resolve(cwd, classes));

        Files.createDirectories(cwd.resolve("weights"));
        Files.copy(checkpoint, cwd.resolve(DefaultModel.RELATIVE));
        assertEquals(cwd.resolve(DefaultModel.RELATIVE).toString(), DefaultModel.resolve(cwd, jar), "the current directory wins");
    }

    @Test
    void withoutATerminalProgressIsOneLineAtTheEnd() {
        StringWriter err = new StringWriter();
        long[] now = {0};
        try (SearchProgress p = new SearchProgress("rbf/vp-sde", 500, new PrintWriter(err), false,
                new flowscale.runtime.search.StopFlag(), () -> now[0])) {
            for (long nfe = 50; nfe <= 498; nfe += 2) {
                now[0] += 10_000_000;
                p.progress(nfe, 500, -2.0);
            }
            assertEquals("", err.toString(), "quiet while running");
        }
        String line = err.toString().strip();
        assertFalse(line.contains("\n"), line);
        assertTrue(line.contains("498 / 500 NFE") && line.contains("best -2.0000"), line);
        assertEquals(40_000_000_000L, SearchProgress.etaNanos(100, 500, 10_000_000_000L));
        assertEquals(-1, SearchProgress.etaNanos(0, 500, 1));
        assertEquals("1:05", SearchProgress.clockTime(65_000_000_000L));
        assertEquals("1:01:01", SearchProgress.clockTime(3_661_000_000_000L));
    }

    @Test
    void directoryNamesAreNumberedSlugs() {
        assertEquals("001-2-red-circles-and-1-blue-square", PromptsFile.directoryName(1, PROMPT));
        assertEquals("012-one-red-circle", PromptsFile.directoryName(12, "  One red circle!  "));
        assertTrue(PromptsFile.directoryName(3, "x".repeat(200)).length() <= 4 + PromptsFile.SLUG_LENGTH);
    }

    /** No scripts, stylesheets or images from anywhere: every src is a data URI and nothing names http(s). */
    static void assertSelfContained(String html) {
        assertFalse(html.contains("http"), "no network references");
        assertFalse(html.contains("<script"), "no scripts");
        assertFalse(html.contains("<link"), "no linked stylesheets");
        Matcher m = Pattern.compile("src=\"([^\"]*)\"").matcher(html);
        while (m.find()) assertTrue(m.group(1).startsWith("data:image/png;base64,"), "src outside a data URI: " + m.group(1));
        assertFalse(html.contains("url("), "no CSS urls");
    }

    private static void assertNoTemporaryFiles(Path out) throws Exception {
        try (Stream<Path> files = Files.list(out)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "temporary files left in " + out);
        }
    }
}
