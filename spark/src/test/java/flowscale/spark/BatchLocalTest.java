package flowscale.spark;

import flowscale.runtime.cli.CliFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static flowscale.spark.BatchFixture.assertSameOutputs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The batch in local[2] mode on the tiny random-weight DiT: twelve prompts with mixed per-row settings give the
 * files generate --prompts gives, a rerun skips what is complete, and bad rows land in the results table.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BatchLocalTest {
    @TempDir
    static Path dir;
    static Path model;

    /** The twelve rows: prompt, then method, sampler, seed, budget (empty: the batch's --method bon, vp-sde, 0, 8). */
    static final String[][] ROWS = {
            {"1 red circle", "", "", "", ""},
            {"2 blue squares", "rbf", "", "3", "58"},
            {"3 green triangles", "smc", "linear-sde", "5", ""},
            {"1 yellow square and 1 red circle", "", "", "", ""},
            {"2 red circles and 1 blue square", "rbf", "", "3", "58"},
            {"4 yellow circles", "none", "ode", "1", "4"},
            {"1 green circle", "smc", "linear-sde", "5", ""},
            {"2 green squares and 2 red triangles", "", "", "", ""},
            {"1 blue triangle", "rbf", "", "3", "58"},
            {"3 red squares", "none", "ode", "1", "4"},
            {"1 red circle", "smc", "linear-sde", "5", ""},
            {"2 yellow triangles and 1 blue circle", "", "", "", ""}};

    static final List<String> COMMON = List.of("--steps", "4");

    @BeforeAll
    static void writeModel() {
        model = CliFixture.tinyDiT(dir, 7);
    }

    private static String[] args(String input, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("--prompts", input, "--out", out.toString(), "--master", "local[2]",
                "--model", model.toString(), "--method", "bon", "--budget", "8", "--conf", "spark.ui.enabled=false"));
        a.addAll(COMMON);
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static Path mixedTable() throws Exception {
        Path csv = dir.resolve("mixed.csv");
        StringBuilder b = new StringBuilder("prompt,method,sampler,seed,budget\n");
        for (String[] r : ROWS) b.append(String.join(",", r)).append('\n');
        Files.writeString(csv, b);
        return csv;
    }

    @Test
    @Order(1)
    void twelvePromptsWithMixedSettingsGiveWhatGenerateGives() throws Exception {
        Path out = dir.resolve("mixed");
        int loadsBefore = ModelCache.loads();
        BatchFixture.Run r = BatchFixture.batch(args(mixedTable().toString(), out));
        assertEquals(0, r.code(), r.err());
        assertTrue(ModelCache.loads() - loadsBefore <= 2, "local[2] runs two searches at once: two models at most");
        assertTrue(r.err().contains("12/12 prompts done"), r.err());

        // generate --prompts, once per distinct setting, over that setting's prompts.
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < ROWS.length; i++) {
            groups.computeIfAbsent(String.join("|", ROWS[i][1], ROWS[i][2], ROWS[i][3], ROWS[i][4]), k -> new ArrayList<>()).add(i);
        }
        Map<String, Path> batchDirs = BatchFixture.promptDirectories(out);
        assertEquals(12, batchDirs.size(), "one directory per prompt: " + batchDirs.keySet());
        int g = 0;
        for (List<Integer> rows : groups.values()) {
            String[] s = ROWS[rows.getFirst()];
            List<String> prompts = rows.stream().map(i -> ROWS[i][0]).toList();
            Path file = BatchFixture.promptsFile(dir.resolve("group" + g + ".txt"), prompts);
            Path ref = dir.resolve("generate-" + g++);
            List<String> a = new ArrayList<>(List.of("generate", "--model", model.toString(), "--prompts", file.toString(),
                    "--out", ref.toString(), "--method", s[1].isEmpty() ? "bon" : s[1], "--sampler", s[2].isEmpty() ? "vp-sde" : s[2],
                    "--seed", s[3].isEmpty() ? "0" : s[3], "--budget", s[4].isEmpty() ? "8" : s[4]));
            a.addAll(COMMON);
            BatchFixture.generate(a.toArray(String[]::new));
            for (int k = 0; k < rows.size(); k++) {
                int index = rows.get(k) + 1;
                Path batch = batchDirs.get(flowscale.runtime.application.PromptsFile.directoryName(index, ROWS[rows.get(k)][0]));
                assertSameOutputs(BatchFixture.generated(ref, k + 1, prompts.get(k)), batch, false);
            }
        }

        List<Map<String, Object>> results = BatchFixture.results(out);
        assertEquals(12, results.size());
        for (Map<String, Object> row : results) {
            assertEquals("ran", row.get("status"), row.toString());
            assertNull(row.get("error"));
            String[] s = ROWS[(Integer) row.get("index") - 1];
            assertEquals(s[0], row.get("prompt"));
            assertEquals(s[1].isEmpty() ? "bon" : s[1], row.get("method"));
            assertEquals(s[4].isEmpty() ? 8L : Long.parseLong(s[4]), row.get("budget"));
            assertTrue((Long) row.get("nfe") <= (Long) row.get("budget"), row.toString());
            assertTrue((Long) row.get("rewardCalls") > 0, row.toString());
            assertTrue(row.get("reward") instanceof Double, row.toString());
            assertTrue((Double) row.get("taskMs") >= (Double) row.get("totalMs"), row.toString());
        }
        assertFalse(Files.exists(out.resolve(Output.TEMPORARY)), "no temporary directory is left");
    }

    @Test
    @Order(2)
    void aRerunSkipsCompletePromptsAndRunsOnlyWhatIsMissing() throws Exception {
        Path out = dir.resolve("mixed");
        Map<String, Path> before = BatchFixture.promptDirectories(out);
        FileTime untouched = Files.getLastModifiedTime(before.get("001-1-red-circle").resolve("best.png"));
        // A lost prompt and what a killed attempt left behind.
        Path lost = before.get("005-2-red-circles-and-1-blue-square");
        Path kept = dir.resolve("kept-005");
        Files.move(lost, kept);
        Files.createDirectories(out.resolve(Output.TEMPORARY).resolve("005-2-red-circles-and-1-blue-square.0-4-0-dead"));
        Files.writeString(out.resolve(Output.TEMPORARY).resolve("005-2-red-circles-and-1-blue-square.0-4-0-dead").resolve("best.png"), "half");

        BatchFixture.Run r = BatchFixture.batch(args(mixedTable().toString(), out));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("1 ran, 11 skipped"), r.err());
        assertEquals(before.keySet(), BatchFixture.promptDirectories(out).keySet());
        assertEquals(untouched, Files.getLastModifiedTime(out.resolve("001-1-red-circle").resolve("best.png")), "skipped, not rewritten");
        assertSameOutputs(kept, out.resolve("005-2-red-circles-and-1-blue-square"), true);
        assertFalse(Files.exists(out.resolve(Output.TEMPORARY)), "the killed attempt's leftovers are removed");
        List<Map<String, Object>> results = BatchFixture.results(out);
        assertEquals(12, results.size());
        assertEquals(11, results.stream().filter(m -> m.get("status").equals("skipped")).count());
        assertEquals("ran", results.get(4).get("status"));
        assertTrue(results.get(0).get("reward") instanceof Double, "a skipped row still reports its trace's numbers");
    }

    @Test
    @Order(3)
    void badRowsLandInTheResultsTableWithTheirErrorAndTheRestRuns() throws Exception {
        Path jsonl = dir.resolve("bad.jsonl");
        Files.writeString(jsonl, String.join("\n",
                "{\"prompt\": \"7 purple dragons\"}",
                "{\"prompt\": \"1 red circle\", \"method\": \"magic\"}",
                "{\"prompt\": \"2 blue squares\", \"seed\": \"x\"}",
                "{\"prompt\": \"\"}",
                "{\"prompt\": \"1 red circle\", \"sampler\": \"nope\"}",
                "{\"prompt\": \"1 green square\", \"budget\": 12, \"seed\": 4}") + "\n");
        Path out = dir.resolve("bad");
        BatchFixture.Run r = BatchFixture.batch(args(jsonl.toString(), out));
        assertEquals(0, r.code(), "bad rows never fail the job: " + r.err());
        List<Map<String, Object>> results = BatchFixture.results(out);
        assertEquals(6, results.size());
        String[] fragments = {"purple", "unknown method 'magic'", "seed 'x' is not a whole number", "empty prompt", "nope", null};
        for (int i = 0; i < fragments.length; i++) {
            Map<String, Object> row = results.get(i);
            if (fragments[i] == null) {
                assertEquals("ran", row.get("status"), row.toString());
                assertEquals(12L, row.get("budget"));
                assertEquals(4L, row.get("seed"));
                continue;
            }
            assertEquals("failed", row.get("status"), row.toString());
            String error = (String) row.get("error");
            assertTrue(error.contains(fragments[i]), error);
            assertFalse(error.contains("\n"), "one line: " + error);
        }
        assertEquals(List.of("006-1-green-square"), List.copyOf(BatchFixture.promptDirectories(out).keySet()),
                "only the good row has a directory");
    }

    @Test
    @Order(4)
    void aPromptsFileGivesGenerateTheSameRunRecord() throws Exception {
        Path file = BatchFixture.promptsFile(dir.resolve("three.txt"), List.of("# a comment", "1 red circle", "", "2 blue squares", "3 yellow triangles"));
        Path out = dir.resolve("from-file"), ref = dir.resolve("generate-file");
        BatchFixture.Run r = BatchFixture.batch(args(file.toString(), out, "--seed", "9"));
        assertEquals(0, r.code(), r.err());
        List<String> a = new ArrayList<>(List.of("generate", "--model", model.toString(), "--prompts", file.toString(),
                "--out", ref.toString(), "--method", "bon", "--budget", "8", "--seed", "9"));
        a.addAll(COMMON);
        BatchFixture.generate(a.toArray(String[]::new));
        Map<String, Path> dirs = BatchFixture.promptDirectories(out);
        assertEquals(BatchFixture.promptDirectories(ref).keySet(), dirs.keySet());
        for (Map.Entry<String, Path> e : dirs.entrySet()) assertSameOutputs(ref.resolve(e.getKey()), e.getValue(), true);
    }

    @Test
    @Order(5)
    void badBatchOptionsAreOneLineAndExitTwo() {
        BatchFixture.Run missing = BatchFixture.batch(args(dir.resolve("none.txt").toString(), dir.resolve("x")));
        assertEquals(2, missing.code(), missing.err());
        assertTrue(missing.err().strip().lines().count() == 1 && missing.err().contains("no such file"), missing.err());
        BatchFixture.Run toy = BatchFixture.batch("--prompts", "p.txt", "--model", "toy:gmm");
        assertEquals(2, toy.code(), toy.err());
        assertTrue(toy.err().contains("image models"), toy.err());
        BatchFixture.Run method = BatchFixture.batch("--prompts", "p.txt", "--model", model.toString(), "--method", "magic");
        assertEquals(2, method.code(), method.err());
        assertEquals(1, method.err().strip().lines().count(), method.err());
    }

    /**
     * With {@code --concurrent-searches 4} the twelve mixed rows run as three tasks of four prompts whose searches share
     * model calls, and every prompt's directory is the bytes of the one-prompt-per-task run of test 1 (only the command
     * line in the trace differs).
     */
    @Test
    @Order(6)
    void promptsThatShareModelCallsGiveTheFilesTheyGetAlone() throws Exception {
        Path alone = dir.resolve("mixed"), shared = dir.resolve("mixed-shared");
        assertTrue(Files.isDirectory(alone), "test 1 wrote " + alone);
        BatchFixture.Run r = BatchFixture.batch(args(mixedTable().toString(), shared, "--concurrent-searches", "4"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("12/12 prompts done"), r.err());
        Map<String, Path> want = BatchFixture.promptDirectories(alone), got = BatchFixture.promptDirectories(shared);
        assertEquals(want.keySet(), got.keySet());
        for (Map.Entry<String, Path> e : want.entrySet()) assertSameOutputs(e.getValue(), got.get(e.getKey()), true);
        for (Map<String, Object> row : BatchFixture.results(shared)) assertEquals("ran", row.get("status"), row.toString());

        BatchFixture.Run bad = BatchFixture.batch(args(mixedTable().toString(), dir.resolve("y"), "--concurrent-searches", "0"));
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().strip().lines().count() == 1 && bad.err().contains("--concurrent-searches must be between 1 and 256"), bad.err());
        // a value picocli cannot parse: one line too, not the usage text
        BatchFixture.Run word = BatchFixture.batch(args(mixedTable().toString(), dir.resolve("y"), "--concurrent-searches", "many"));
        assertEquals(2, word.code(), word.err());
        assertTrue(word.err().strip().lines().count() == 1 && word.err().contains("'many' is not an int"), word.err());
    }
}
