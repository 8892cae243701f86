package flowscale.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowscale.runtime.cli.CliFixture.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static flowscale.runtime.cli.CliFixture.assertUsage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code generate --prompts} with several searches advancing together ({@code --concurrent-searches}) writes, for
 * every prompt, the files it writes one at a time: the same bytes for the images, the same trace apart from
 * timings and the command line, the same report apart from its time section; and prints in prompt order.
 */
class GenerateConcurrentTest {
    static final String[] PROMPTS = {"2 red circles and 1 blue square", "3 green triangles", "1 yellow square", "4 blue circles",
            "1 red triangle and 2 green squares", "2 yellow circles", "1 blue triangle and 1 red square", "3 red squares"};

    @TempDir
    static Path dir;
    static Path checkpoint;
    static Path prompts;

    @BeforeAll
    static void setUp() throws Exception {
        checkpoint = CliFixture.tinyDiT(dir, 11);
        prompts = dir.resolve("prompts.txt");
        Files.writeString(prompts, String.join("\n", PROMPTS) + "\n");
    }

    private static Run generate(String method, int concurrent, Path out) {
        return CliFixture.run("generate", "--model", checkpoint.toString(), "--prompts", prompts.toString(), "--method", method,
                "--budget", "180", "--steps", "4", "--concurrent-searches", Integer.toString(concurrent), "--out", out.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rbf", "sop"})
    void everyPromptsFilesAreTheBytesOfRunningOneAtATime(String method) throws Exception {
        Path one = dir.resolve(method + "-1");
        Run sequential = generate(method, 1, one);
        assertEquals(0, sequential.code(), sequential.err());
        List<String> dirs = promptDirectories(one);
        assertEquals(PROMPTS.length, dirs.size());
        for (int concurrent : new int[] {4, 8}) {
            Path many = dir.resolve(method + "-" + concurrent);
            Run r = generate(method, concurrent, many);
            assertEquals(0, r.code(), r.err());
            assertEquals(dirs, promptDirectories(many));
            for (String d : dirs) {
                String where = method + ", " + concurrent + " at a time, " + d;
                for (String image : new String[] {"best.png", "best_x8.png", "candidates.png"}) {
                    assertArrayEquals(Files.readAllBytes(one.resolve(d).resolve(image)), Files.readAllBytes(many.resolve(d).resolve(image)),
                            where + ": " + image);
                }
                assertEquals(traceWithoutTimings(one.resolve(d)), traceWithoutTimings(many.resolve(d)), where + ": trace.json");
                assertEquals(reportWithoutTime(one.resolve(d)), reportWithoutTime(many.resolve(d)), where + ": report.html");
            }
            assertEquals(withoutTimes(sequential.out().replace(one.toString(), "OUT")), withoutTimes(r.out().replace(many.toString(), "OUT")),
                    "stdout in prompt order, " + concurrent + " at a time");
            assertEquals(doneLines(sequential.err()), doneLines(r.err()), "stderr in prompt order, " + concurrent + " at a time");
        }
    }

    @Test
    void badValuesAreOneLine() {
        Path out = dir.resolve("bad");
        assertUsage(generate("rbf", 0, out), "--concurrent-searches must be between 1 and");
        assertUsage(generate("rbf", 100_000, out), "--concurrent-searches must be between 1 and");
        assertUsage(CliFixture.run("generate", "--model", checkpoint.toString(), "--prompt", PROMPTS[0], "--concurrent-searches", "2",
                "--out", out.toString()), "--concurrent-searches applies to --prompts");
        // Best-of-N particles that fit one search's share of the heap but not eight searches' at once.
        long perParticle = (3L * 32 * 32 * 4 + 16) * 5;
        long n = Runtime.getRuntime().maxMemory() / 10 * 8 / perParticle / 2;
        assertUsage(CliFixture.run("generate", "--model", checkpoint.toString(), "--prompts", prompts.toString(), "--method", "bon",
                "--search-opt", "n=" + n, "--concurrent-searches", "8", "--out", out.toString()), "in each of 8 searches at once");
        assertFalse(Files.exists(out), "nothing written");
    }

    private static List<String> promptDirectories(Path out) throws Exception {
        try (Stream<Path> s = Files.list(out)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The trace without what may differ between two runs of the same search: timings and the command line. */
    private static JsonNode traceWithoutTimings(Path d) throws Exception {
        JsonNode t = new ObjectMapper().readTree(d.resolve("trace.json").toFile());
        ((ObjectNode) t).remove("timings");
        ((ObjectNode) t.get("run")).remove("arguments");
        assertTrue(t.has("levels") && t.get("levels").size() > 0, "the trace has levels");
        return t;
    }

    private static String reportWithoutTime(Path d) throws Exception {
        String html = Files.readString(d.resolve("report.html"));
        int from = html.indexOf("<h2>Time</h2>");
        assertTrue(from > 0, "the report has a time section");
        int to = html.indexOf("</section>", from);
        return html.substring(0, from) + html.substring(to);
    }

    private static List<String> withoutTimes(String stdout) {
        List<String> lines = new ArrayList<>();
        for (String l : stdout.split("\\R")) if (!l.startsWith("time ")) lines.add(l);
        return lines;
    }

    /** The per-prompt summary lines on stderr without their wall time. */
    private static List<String> doneLines(String stderr) {
        List<String> lines = new ArrayList<>();
        for (String l : stderr.split("\\R")) if (l.startsWith("[")) lines.add(l.replaceAll(", [0-9.]+ s$", ""));
        assertFalse(lines.isEmpty(), stderr);
        return lines;
    }
}
