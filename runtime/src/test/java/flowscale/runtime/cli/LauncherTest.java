package flowscale.runtime.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shell side of the two README commands: {@code .mvn/find-jdk}, which both {@code ./flowscale} and
 * {@code ./mvnw} use to find JDK 25 where the default java is older, and the launcher's stderr filter, which
 * must pass the progress bar's carriage-return frames on as they come (a line-buffered filter held them until
 * the run ended). The start-up cache's functions (the block between {@code # >>> aot} and {@code # <<< aot}) run
 * here on a tiny jar compiled by the test, with a training run of that jar instead of the main job: the cache
 * must never change what a run prints or whether it works.
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

    @Test
    void startUpCacheIsRecordedOnTheFirstGenerateWhenAskedAndUsedAfter(@TempDir Path dir) throws Exception {
        Path jar = helloJar(dir);
        Result other = aot(dir, jar, "aot_prepare info; echo \"flags=${aot_flags[*]}\"");
        assertEquals("flags=", other.out.strip(), "a command other than generate does not record the cache");
        Result byDefault = aot(dir, jar, "unset FLOWSCALE_AOT; aot_prepare generate; echo \"flags=${aot_flags[*]}\"");
        assertEquals("flags=", byDefault.out.strip(), "without FLOWSCALE_AOT=auto generate records nothing");
        assertFalse(byDefault.err.contains("recording"), byDefault.err);
        Result first = aot(dir, jar, "aot_prepare generate; echo \"flags=${aot_flags[*]}\"");
        assertTrue(first.err.contains("recording the start-up cache"), first.err);
        List<Path> caches = files(dir.resolve("aot"), ".aot");
        assertEquals(1, caches.size(), "one cache, no leftovers: " + files(dir.resolve("aot"), ""));
        assertEquals(List.of(), files(dir.resolve("aot"), ".failed"));
        assertTrue(first.out.contains("-XX:AOTCache=" + caches.get(0)), first.out);
        Result again = aot(dir, jar, "aot_prepare generate; echo \"flags=${aot_flags[*]}\"; " + RUN);
        assertEquals("", again.err.replace("err\n", ""), "used, not recorded again: " + again.err);
        assertEquals("flags=" + first.out.strip().substring(6) + "\nhi\n", again.out);
        assertEquals(0, again.code);
        Result usedByDefault = aot(dir, jar, "unset FLOWSCALE_AOT; aot_prepare generate; echo \"flags=${aot_flags[*]}\"");
        assertEquals(first.out.strip(), usedByDefault.out.strip(), "an existing cache is used by default");

        // A new jar (another mtime) is another key: recorded again, and the earlier cache is removed.
        Path old = Files.copy(caches.get(0), dir.resolve("old.aot"));
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        // The earlier jar's cache, given to the JVM anyway, runs just as quietly.
        Result stale = aot(dir, jar, "aot_flags=(-XX:AOTCache=" + q(old) + " \"${aot_quiet[@]}\"); " + RUN);
        assertEquals(0, stale.code);
        assertEquals("hi\n", stale.out, "the JVM's complaints about the cache must not reach stdout");
        assertEquals("err\n", stale.err, "nor stderr");
        Result rebuilt = aot(dir, jar, "aot_prepare generate; " + RUN);
        assertTrue(rebuilt.err.contains("recording the start-up cache"), rebuilt.err);
        List<Path> now = files(dir.resolve("aot"), ".aot");
        assertEquals(1, now.size());
        assertFalse(now.contains(caches.get(0)), "the cache of the earlier jar is gone");
        assertEquals("hi\n", rebuilt.out);
    }

    @Test
    void aGarbageCacheRunsWithoutItAndSilently(@TempDir Path dir) throws Exception {
        Path jar = helloJar(dir);
        Path cache = Path.of(aot(dir, jar, "aot_prepare info; echo \"$aot_file\"").out.strip());
        Files.createDirectories(cache.getParent());
        byte[] garbage = new byte[100_000];
        new Random(1).nextBytes(garbage);
        Files.write(cache, garbage);
        Result run = aot(dir, jar, "aot_prepare generate; " + RUN);
        assertEquals(0, run.code);
        assertEquals("hi\n", run.out, "the JVM's complaints about the file must not reach stdout");
        assertEquals("err\n", run.err, "nor stderr");
        Result loud = aot(dir, jar, "aot_flags=(-XX:AOTCache=" + q(cache) + "); " + RUN);
        assertTrue(loud.out.contains("[aot]"), "without aot_quiet the JVM does complain: " + loud.out);
    }

    @Test
    void anUnwritableFolderOrAFailedTrainingRunGoesOnWithoutTheCache(@TempDir Path dir) throws Exception {
        Path jar = helloJar(dir);
        Files.writeString(dir.resolve("aot"), "a file where the cache folder would be");
        Result unwritable = aot(dir, jar, "aot_prepare generate; " + RUN);
        assertEquals(0, unwritable.code);
        assertEquals("hi\n", unwritable.out);
        assertEquals("err\n", unwritable.err);
        Files.delete(dir.resolve("aot"));

        String failing = "aot_train_args=(--fail); aot_prepare generate; echo \"flags=${aot_flags[*]}\"; " + RUN;
        Result failed = aot(dir, jar, failing);
        assertTrue(failed.err.contains("recording the start-up cache"), failed.err);
        assertEquals("flags=\nhi\n", failed.out);
        assertEquals(List.of(), files(dir.resolve("aot"), ".aot"));
        Path marker = files(dir.resolve("aot"), ".failed").get(0);
        assertTrue(Files.readString(marker).startsWith("exit status 3"), Files.readString(marker));
        Result notAgain = aot(dir, jar, failing);
        assertEquals("err\n", notAgain.err, "a failed recording is not retried on every run");
        assertEquals("flags=\nhi\n", notAgain.out);
    }

    @Test
    void concurrentFirstRunsLeaveOneUsableCache(@TempDir Path dir) throws Exception {
        Path jar = helloJar(dir);
        String script = "aot_prepare generate; " + RUN;
        Process a = aotProcess(dir, jar, script);
        Process b = aotProcess(dir, jar, script);
        Result ra = finish(a);
        Result rb = finish(b);
        assertEquals("hi\n", ra.out);
        assertEquals("hi\n", rb.out);
        assertEquals(0, ra.code + rb.code);
        assertEquals(1, files(dir.resolve("aot"), ".aot").size(), "one cache, no temporary files: "
                + files(dir.resolve("aot"), ""));
        assertEquals(1, files(dir.resolve("aot"), "").size());
        Result check = aot(dir, jar, "aot_prepare generate; \"$JAVA_HOME/bin/java\" -XX:AOTCache=\"$aot_file\""
                + " -XX:AOTMode=on -Xlog:disable -jar \"$jar\"");
        assertEquals(0, check.code, "AOTMode=on accepts the cache: " + check.err);
    }

    /** How the launcher starts the JVM (here with no project flags): with the cache's flags when it has them. */
    private static final String RUN = "\"$JAVA_HOME/bin/java\" \"${java_flags[@]}\" ${aot_flags[@]+\"${aot_flags[@]}\"}"
            + " -jar \"$jar\"";

    private record Result(int code, String out, String err) {}

    private static Result aot(Path dir, Path jar, String commands) throws Exception {
        return finish(aotProcess(dir, jar, commands));
    }

    private static Process aotProcess(Path dir, Path jar, String commands) throws IOException {
        String script = Files.readString(ROOT.resolve("flowscale"), StandardCharsets.UTF_8);
        int start = script.indexOf("\n# >>> aot") + 1;
        int end = script.indexOf("\n# <<< aot", start);
        assertTrue(start > 0 && end > start, "the launcher marks its cache block");
        String text = "set -euo pipefail\nhere=" + q(dir) + "\njar=" + q(jar) + "\nJAVA_HOME=" + q(Path.of(System.getProperty("java.home")))
                + "\njava_flags=()\naot_dir=\"$here/aot\"\nunset FLOWSCALE_JAVA_OPTS\nexport FLOWSCALE_AOT=\"${FLOWSCALE_AOT-auto}\"\n"
                + script.substring(start, end + 1) + "aot_train_args=(training)\n" + commands + "\n";
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", text);
        pb.environment().put("TMPDIR", dir.toString());
        return pb.start();
    }

    private static Result finish(Process p) throws Exception {
        try {
            byte[][] errBytes = new byte[1][];
            Thread err = Thread.ofVirtual().start(() -> {
                try {
                    errBytes[0] = p.getErrorStream().readAllBytes();
                } catch (IOException e) {
                    errBytes[0] = e.toString().getBytes(StandardCharsets.UTF_8);
                }
            });
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the script ends");
            err.join();
            return new Result(p.exitValue(), out, new String(errBytes[0], StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }

    private static String q(Path p) {
        return "'" + p.toString().replace("'", "'\\''") + "'";
    }

    private static List<Path> files(Path folder, String suffix) throws IOException {
        if (!Files.isDirectory(folder)) return List.of();
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().startsWith("flowscale-")
                    && p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** A jar whose main prints "hi" to stdout and "err" to stderr, or exits 3 when its first argument is --fail. */
    private static Path helloJar(Path dir) throws IOException {
        Path src = dir.resolve("src/Hello.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, """
                public class Hello {
                    public static void main(String[] args) {
                        if (args.length > 0 && args[0].equals("--fail")) System.exit(3);
                        System.out.println("hi");
                        System.err.println("err");
                    }
                }
                """);
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), src.toString()));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "Hello");
        Path jar = dir.resolve("hello.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            out.putNextEntry(new JarEntry("Hello.class"));
            out.write(Files.readAllBytes(classes.resolve("Hello.class")));
            out.closeEntry();
        }
        return jar;
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
