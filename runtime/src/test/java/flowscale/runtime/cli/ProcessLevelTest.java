package flowscale.runtime.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What only a separate JVM shows: the --out lock holds between processes (not just between threads), and
 * {@link Main#main} turns a failed write to standard output into exit 1.
 */
class ProcessLevelTest {
    @TempDir
    Path dir;

    private static Process start(Path errFile, File stdout, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(errFile.toFile());
        pb.redirectOutput(stdout);
        return pb.start();
    }

    private static String errorLines(Path errFile) throws Exception {
        return String.join("\n", Files.readAllLines(errFile).stream().filter(l -> !l.startsWith("WARNING:")).toList()).strip();
    }

    @Test
    void anotherProcessHoldingOutIsRefusedInOneLine() throws Exception {
        Path out = dir.resolve("o");
        Path err = dir.resolve("err.txt");
        try (OutputDirectory held = OutputDirectory.claim(out)) {
            Process p = start(err, dir.resolve("stdout.txt").toFile(), "generate", "--model", "toy:gmm", "--budget", "40",
                    "--steps", "4", "--method", "bon", "--out", out.toString());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String e = errorLines(err);
            assertEquals(2, p.exitValue(), e);
            new CliRun(2, "", e).assertError(2, "in use by another flowscale run");
            assertFalse(Files.exists(out.resolve("trace.json")));
        }
    }

    @Test
    void aRunStoppedBySignalLeavesAWholeSetAndNoLock() throws Exception {
        Path out = dir.resolve("o");
        Files.createDirectories(out);
        Files.writeString(out.resolve("best.png"), "from an earlier run");
        Path err = dir.resolve("err.txt");
        // Long enough that the signal comes during the search: 200 000 toy particles, 100 steps.
        Process p = start(err, dir.resolve("stdout.txt").toFile(), "generate", "--model", "toy:gmm", "--method", "bon",
                "--budget", "20000000", "--steps", "100", "--out", out.toString());
        // The lock appears when the run has claimed --out, just before its search starts.
        for (int i = 0; i < 600 && p.isAlive() && !Files.exists(out.resolve(OutputDirectory.LOCK)); i++) Thread.sleep(50);
        p.destroy(); // SIGTERM: the same shutdown path as Ctrl-C
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String e = errorLines(err);
        assertTrue(p.exitValue() == 0 || p.exitValue() == 130 || p.exitValue() == 143, p.exitValue() + ": " + e);
        try (var names = Files.list(out)) {
            assertEquals(List.of("particles.png", "trace.json"), names.map(x -> x.getFileName().toString()).sorted().toList(),
                    "the run's own set, whole, without the earlier best.png, temporary files or the lock: " + e);
        }
        String trace = Files.readString(out.resolve("trace.json"));
        assertTrue(trace.strip().endsWith("}"));
        assertTrue(trace.contains("\"interrupted\" : true"), "stopped during the search: " + e);
    }

    @Test
    void aFullStandardOutputExitsWith1() throws Exception {
        Path err = dir.resolve("err.txt");
        Process p = start(err, new File("/dev/full"), "--version");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String e = errorLines(err);
        assertEquals(1, p.exitValue(), e);
        new CliRun(1, "", e).assertError(1, "standard output");
    }
}
