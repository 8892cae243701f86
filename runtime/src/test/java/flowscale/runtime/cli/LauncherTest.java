package flowscale.runtime.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shell side of the two README commands: {@code .mvn/find-jdk}, which both {@code ./flowscale} and
 * {@code ./mvnw} use to find JDK 25 where the default java is older, and the launcher's stderr filter, which
 * must pass the progress bar's carriage-return frames on as they come (a line-buffered filter held them until
 * the run ended).
 */
class LauncherTest {
    /** The checkout: surefire runs in the runtime module's folder. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void findJdkPrefersAJavaHomeOf25AndLooksFurtherWhenItIsOlder() throws Exception {
        String running = Path.of(System.getProperty("java.home")).toRealPath().toString();
        assertEquals(running, findJdk(running).strip(), "a JAVA_HOME of 25 or newer is taken as it is");
        String found = findJdk("/nonexistent/jdk-17").strip();
        assertTrue(!found.isEmpty() && Files.isExecutable(Path.of(found, "bin", "javac")),
                "with an unusable JAVA_HOME the usual install paths give a JDK 25: '" + found + "'");
    }

    @Test
    void stderrFilterDropsTheIncubatorWarningAndPassesFramesAtOnce() throws Exception {
        String script = Files.readString(ROOT.resolve("flowscale"), StandardCharsets.UTF_8);
        int start = script.indexOf("filter_stderr() {");
        int end = script.indexOf("\n}\n", start);
        assertTrue(start >= 0 && end > start, "the launcher defines filter_stderr()");
        String filter = script.substring(start, end + 3) + "filter_stderr\n";
        Process p = new ProcessBuilder("bash", "-c", filter).redirectErrorStream(true).start();
        try {
            OutputStream in = p.getOutputStream();
            in.write("WARNING: Using incubator modules: jdk.incubator.vector\n\rframe 1".getBytes(StandardCharsets.UTF_8));
            in.flush();
            // The writer stays open: the frame must arrive without a newline and without the end of input.
            String got = readUntil(p.getInputStream(), "frame 1", 20_000);
            assertEquals("\rframe 1", got, "the warning is dropped and the frame passes on at once");
            in.write("\rframe 2\nWARNING: Using incubator modules: later\ndone\n".getBytes(StandardCharsets.UTF_8));
            in.close();
            String rest = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("\rframe 2\nWARNING: Using incubator modules: later\ndone\n", rest,
                    "only the JVM's first line is filtered; everything after it passes unchanged");
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
    }

    private static String findJdk(String javaHome) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("sh", ROOT.resolve(".mvn/find-jdk").toString());
        pb.environment().put("JAVA_HOME", javaHome);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "find-jdk found no JDK 25");
        return out;
    }

    /** Reads until {@code marker} has arrived, failing after {@code millis} (the filter would hold it back). */
    private static String readUntil(InputStream in, String marker, long millis) throws Exception {
        StringBuilder sb = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                int c;
                while ((c = in.read()) >= 0) {
                    synchronized (sb) {
                        sb.append((char) c);
                        if (sb.toString().endsWith(marker)) return;
                    }
                }
            } catch (IOException ignored) {
                // the process ended; the assertion below reports what arrived
            }
        });
        reader.join(java.time.Duration.ofMillis(millis));
        synchronized (sb) {
            return sb.toString();
        }
    }
}
