package flowscale.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 22's failures of {@code generate}, each reproduced on the analytic toy (fast): output sets owned by one
 * run, the lock on --out, limits and --out checked before any work, bounded memory and input, one-line errors.
 */
class GenerateFailuresTest {
    @TempDir
    Path dir;

    private static final String[] TOY = {"generate", "--model", "toy:gmm", "--method", "bon", "--budget", "40", "--steps", "4"};

    private static String[] toy(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of(TOY));
        a.addAll(List.of(more));
        a.add("--out");
        a.add(out.toString());
        return a.toArray(String[]::new);
    }

    private static JsonNode trace(Path d) throws IOException {
        return new ObjectMapper().readTree(d.resolve("trace.json").toFile());
    }

    private static void plantAnEarlierImageRun(Path out) throws IOException {
        Files.createDirectories(out.resolve("001-old-prompt"));
        for (String f : new String[] {"best.png", "best_x8.png", "candidates.png", "report.html", "index.html", ".best.png.x1.tmp"}) {
            Files.writeString(out.resolve(f), "from an earlier run");
        }
        Files.writeString(out.resolve("001-old-prompt").resolve("trace.json"), "{}");
        Files.writeString(out.resolve("001-old-prompt").resolve("best.png"), "old");
        Files.writeString(out.resolve("notes.txt"), "the user's own file");
    }

    private static void assertOnlyThisRunsSet(Path out) throws IOException {
        for (String f : new String[] {"best.png", "best_x8.png", "candidates.png", "report.html", "index.html", "001-old-prompt",
                ".best.png.x1.tmp"}) {
            assertFalse(Files.exists(out.resolve(f)), f + " of an earlier run was left beside the new one");
        }
        assertTrue(Files.isRegularFile(out.resolve("trace.json")));
        assertTrue(Files.isRegularFile(out.resolve("particles.png")));
        assertEquals("the user's own file", Files.readString(out.resolve("notes.txt")), "files flowscale does not write are kept");
        assertFalse(Files.exists(out.resolve(OutputDirectory.LOCK)), "the lock is released with the run");
    }

    @Test
    void aRunWithoutImagesRemovesAnEarlierRunsImagesAndReport() throws Exception {
        Path out = dir.resolve("o");
        plantAnEarlierImageRun(out);
        CliRun r = CliRun.of(toy(out, "--seed", "5"));
        assertEquals(0, r.code(), r.err());
        assertOnlyThisRunsSet(out);
        assertEquals(5, trace(out).get("seed").asLong());
    }

    @Test
    void anInterruptedRunOwnsItsSetToo() throws Exception {
        Path out = dir.resolve("o");
        plantAnEarlierImageRun(out);
        CliRun r = CliRun.of(true, toy(out));
        assertEquals(GenerateCommand.EXIT_INTERRUPTED, r.code(), r.err());
        assertOnlyThisRunsSet(out);
        assertTrue(trace(out).get("interrupted").asBoolean());
    }

    @Test
    void aRefusedRunLeavesTheEarlierSetAlone() throws Exception {
        Path out = dir.resolve("o");
        assertEquals(0, CliRun.of(toy(out, "--seed", "1")).code());
        byte[] before = Files.readAllBytes(out.resolve("trace.json"));
        CliRun.of(toy(out, "--reward", "mode:99")).assertError(2, "mode:99");
        CliRun.of("generate", "--model", "toy:gmm", "--method", "svdd", "--budget", "100", "--out", out.toString()).assertError(2, "svdd");
        assertArrayEquals(before, Files.readAllBytes(out.resolve("trace.json")));
        assertTrue(Files.isRegularFile(out.resolve("particles.png")));
    }

    @Test
    void aSecondRunOnALockedOutIsRefusedInOneLine() throws Exception {
        Path out = dir.resolve("o");
        try (OutputDirectory held = OutputDirectory.claim(out)) {
            CliRun.of(toy(out)).assertError(2, "in use by another flowscale run");
            assertFalse(Files.exists(out.resolve("trace.json")));
        }
        assertEquals(0, CliRun.of(toy(out)).code(), "free again once released");
    }

    @Test
    void concurrentRunsOnOneOutNeverMixTheirFiles() throws Exception {
        // Each seed's set, written alone: the reference a mixed-up directory would not match.
        Map<Long, byte[]> alone = new ConcurrentHashMap<>();
        for (long seed = 1; seed <= 2; seed++) {
            Path d = dir.resolve("alone-" + seed);
            assertEquals(0, CliRun.of(toy(d, "--seed", Long.toString(seed))).code());
            alone.put(seed, Files.readAllBytes(d.resolve("particles.png")));
        }
        Path out = dir.resolve("shared");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 6; round++) {
                List<Future<CliRun>> runs = new ArrayList<>();
                for (long seed = 1; seed <= 2; seed++) {
                    String s = Long.toString(seed);
                    runs.add(pool.submit(() -> CliRun.of(toy(out, "--seed", s))));
                }
                int ok = 0;
                for (Future<CliRun> f : runs) {
                    CliRun r = f.get();
                    if (r.code() == 0) ok++;
                    else r.assertError(2, "in use by another flowscale run");
                }
                assertTrue(ok >= 1, "at least one of the pair ran");
                long seed = trace(out).get("seed").asLong();
                assertArrayEquals(alone.get(seed), Files.readAllBytes(out.resolve("particles.png")),
                        "round " + round + ": particles.png is not the one of the trace's seed " + seed);
                try (var names = Files.list(out)) {
                    List<String> left = names.map(p -> p.getFileName().toString()).sorted().toList();
                    assertEquals(List.of("particles.png", "trace.json"), left, "no temporary or lock files left");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void limitsAreCheckedWhenOptionsAreReadBeforeAnySearch() {
        String[][] bad = {
            {"--method", "none", "--steps", "5000", "--budget", "5000"},
            {"--method", "rbf", "--steps", "2", "--budget", "2200000"},
            {"--budget", "99999999999"},
            {"--budget", "0"},
            {"--steps", "0"},
            {"--cfg", "1e308"},
            {"--cfg", "NaN"},
            {"--backend", "cpu:4000"},
            {"--backend", "cpu:100000"},
            {"--devices", "cpu:1,cpu:100000"},
            {"--budget", "1000000000", "--steps", "1"}, // Best-of-N: a billion particles cannot be held
            {"--search-opt", "n=2000000000", "--budget", "1000000000"},
        };
        for (String[] b : bad) {
            List<String> a = new ArrayList<>(List.of("generate", "--model", "toy:gmm", "--method", "bon"));
            a.addAll(List.of(b));
            Path out = dir.resolve("x");
            a.add("--out");
            a.add(out.toString());
            long t0 = System.nanoTime();
            CliRun r = CliRun.of(a.toArray(String[]::new));
            r.assertError(2, null);
            assertFalse(r.err().contains("NFE, best"), "refused before the search: " + r.err());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "refused at once: " + String.join(" ", b));
            assertFalse(Files.exists(out), "no output for a refused run: " + String.join(" ", b));
        }
    }

    @Test
    void anUnusableOutIsRefusedBeforeTheSearch() throws Exception {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        for (String out : new String[] {"", file.toString(), file.resolve("sub").toString(), "/proc/flowscale-cannot-create"}) {
            CliRun r = CliRun.of(toy(Path.of(out)));
            r.assertError(2, "--out");
            assertFalse(r.err().contains("NFE"), "no search ran: " + r.err());
        }
        assertEquals("x", Files.readString(file));
    }

    @Test
    void outOfMemoryIsOneLine() {
        picocli.CommandLine cl = Main.commandLine();
        cl.addSubcommand("oom", new RunsOutOfMemory());
        java.io.StringWriter err = new java.io.StringWriter();
        cl.setErr(new java.io.PrintWriter(err));
        assertEquals(1, cl.execute("oom"));
        CliRun r = new CliRun(1, "", err.toString());
        r.assertError(1, "out of memory");
        assertTrue(Main.describe(new OutOfMemoryError("unable to create native thread")).contains("thread"));
    }

    @picocli.CommandLine.Command(name = "oom")
    static final class RunsOutOfMemory implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    @Test
    void aFailedWriteToStandardOutputExitsWith1() {
        java.io.OutputStream full = new java.io.OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        java.io.PrintWriter out = new java.io.PrintWriter(new java.io.OutputStreamWriter(full));
        out.println("info");
        java.io.StringWriter err = new java.io.StringWriter();
        int code = Main.checkOutput(0, out, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), new java.io.PrintWriter(err));
        assertEquals(1, code);
        new CliRun(1, "", err.toString()).assertError(1, "standard output");
        assertEquals(0, Main.checkOutput(0, new java.io.PrintWriter(new java.io.StringWriter()),
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), new java.io.PrintWriter(err)));
    }

    @Test
    void promptsFilesThatAreNotSmallTextAreRefusedInOneLine() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path big = dir.resolve("big.txt");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(InputLimits.MAX_PROMPTS_FILE + 1);
        }
        Path longLine = dir.resolve("long.txt");
        Files.writeString(longLine, "1 red circle\n" + "a".repeat(500_000) + "\n");
        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "");
        Path binary = dir.resolve("binary.txt");
        Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0x80, 10});
        Object[][] cases = {
            {"/dev/zero", "not a regular file"},
            {fifo.toString(), "not a regular file"},
            {dir.toString(), "is a directory"},
            {big.toString(), "at most"},
            {longLine.toString(), "line 2"},
            {empty.toString(), "no prompts"},
            {binary.toString(), "UTF-8"},
            {dir.resolve("missing.txt").toString(), "no such file"},
        };
        for (Object[] c : cases) {
            CliRun r = CliRun.of("generate", "--prompts", (String) c[0], "--budget", "10", "--out", dir.resolve("o").toString());
            r.assertError(2, (String) c[1]);
            assertTrue(r.err().length() < 600, "echoed input is bounded: " + r.err().length());
        }
        String hugePrompt = "b".repeat(10_000_000);
        CliRun r = CliRun.of("generate", "--prompt", hugePrompt, "--budget", "10", "--out", dir.resolve("o").toString());
        r.assertError(2, "at most");
        assertTrue(r.err().length() < 600, "a 10 MB prompt is not echoed whole: " + r.err().length());
        assertFalse(Files.exists(dir.resolve("o")));
        for (String option : new String[] {"--budget", "--method", "--sampler", "--seed", "--model"}) {
            CliRun v = CliRun.of("generate", option, "9".repeat(1_000_000) + "x", "--out", dir.resolve("o").toString());
            v.assertError(2, null);
            assertTrue(v.err().length() < 600, option + ": a huge value is not echoed whole: " + v.err().length());
        }
    }

    @Test
    void namesAreCaseInsensitiveAndInputsAToyCannotUseAreRefused() throws Exception {
        Path out = dir.resolve("o");
        CliRun ok = CliRun.of("generate", "--model", "TOY:GMM", "--method", "BON", "--sampler", "VP-SDE", "--budget", "40",
                "--steps", "4", "--reward", "MODE", "--out", out.toString());
        assertEquals(0, ok.code(), ok.err());
        assertEquals("bon", trace(out).get("method").asText());
        CliRun.of(toy(dir.resolve("p"), "--prompt", "1 red circle")).assertError(2, "--prompt applies to image models");
        CliRun.of(toy(dir.resolve("p"), "--backend", "cpu")).assertError(2, "--backend applies to image models");
        CliRun.of(toy(dir.resolve("p"), "--cfg", "2")).assertError(2, "--cfg applies to image models");
        CliRun.of(toy(dir.resolve("p"), "--devices", "cpu")).assertError(2, "--devices applies to image models");
        assertFalse(Files.exists(dir.resolve("p")));
    }

    @Test
    void theSummarySaysWhichBestIsWhichAndTheTraceCanReproduceTheRun() throws Exception {
        Path out = dir.resolve("o");
        CliRun r = CliRun.of(toy(out, "--seed", "7"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("among the estimates seen"), r.err());
        assertTrue(r.out().contains("(the returned sample)"), r.out());
        JsonNode run = trace(out).get("run");
        assertEquals("toy:gmm", run.get("model").asText());
        assertEquals(1.0, run.get("cfg").asDouble());
        assertTrue(run.has("backend") && run.has("prompt"), run.toString());
        assertTrue(run.get("arguments").toString().contains("\"--seed\",\"7\""), run.toString());
    }
}
