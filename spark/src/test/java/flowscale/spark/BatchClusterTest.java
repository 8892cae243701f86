package flowscale.spark;

import flowscale.runtime.cli.CliFixture;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real standalone cluster on this machine: a master and two workers started from Spark's own classes, each in
 * its own JVM, everything bound to 127.0.0.1. The batch is submitted to it; one worker's JVM (and the executor it
 * started) is killed once the first prompt is committed. The job must still finish with exactly one complete
 * directory per prompt, each identical to what generate --prompts writes on one machine.
 */
class BatchClusterTest {
    static final String LOOPBACK = "127.0.0.1";
    static final List<String> PROMPTS = List.of("1 red circle", "2 blue squares", "3 green triangles", "1 yellow square",
            "2 red circles and 1 blue square", "4 yellow circles");

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @Test
    void aKilledWorkerLosesNothingAndDuplicatesNothing() throws Exception {
        Path model = CliFixture.tinyDiT(dir, 7);
        Path prompts = BatchFixture.promptsFile(dir.resolve("prompts.txt"), PROMPTS);
        List<String> search = List.of("--method", "bon", "--budget", "8", "--steps", "4", "--seed", "2", "--backend", "cpu:1");
        Path ref = dir.resolve("generate");
        List<String> g = new ArrayList<>(List.of("generate", "--model", model.toString(), "--prompts", prompts.toString(),
                "--out", ref.toString()));
        g.addAll(search);
        BatchFixture.generate(g.toArray(String[]::new));

        try {
            int masterPort = freePort(), masterUi = freePort();
            // Spark's launcher library looks for SPARK_HOME/jars; the executors get their classes from this test's
            // class path instead (spark.executor.extraClassPath), so an empty one serves.
            Path sparkHome = Files.createDirectories(dir.resolve("spark-home/jars")).getParent();
            start("master", sparkHome, "org.apache.spark.deploy.master.Master", "--host", LOOPBACK, "--port",
                    String.valueOf(masterPort), "--webui-port", String.valueOf(masterUi));
            String url = "spark://" + LOOPBACK + ":" + masterPort;
            waitFor("the master", () -> aliveWorkers(masterUi) >= 0, 120);
            Process[] workers = new Process[2];
            for (int w = 0; w < 2; w++) {
                workers[w] = start("worker" + w, sparkHome, "org.apache.spark.deploy.worker.Worker", url, "--host", LOOPBACK,
                        "--cores", "1", "--memory", "1g", "--webui-port", String.valueOf(freePort()),
                        "--work-dir", dir.resolve("work" + w).toString());
            }
            waitFor("two workers", () -> aliveWorkers(masterUi) == 2, 120);

            Path out = dir.resolve("cluster-out");
            List<String> a = new ArrayList<>(List.of("--prompts", prompts.toString(), "--out", out.toString(),
                    "--model", model.toString(), "--master", url,
                    "--conf", "spark.driver.host=" + LOOPBACK, "--conf", "spark.driver.bindAddress=" + LOOPBACK,
                    "--conf", "spark.ui.enabled=false", "--conf", "spark.executor.memory=768m",
                    "--conf", "spark.executor.extraClassPath=" + System.getProperty("java.class.path"),
                    "--conf", "spark.executorEnv.SPARK_LOCAL_IP=" + LOOPBACK, "--conf", "spark.extraListeners=" + TaskWatch.class.getName()));
            a.addAll(search);
            CompletableFuture<BatchFixture.Run> job = CompletableFuture.supplyAsync(() -> BatchFixture.batch(a.toArray(String[]::new)));

            // Kill worker 0 once a prompt is committed and its executor (named by its directory under the worker's
            // work directory) is in the middle of a search.
            waitFor("the first committed prompt while worker 0's executor runs a task",
                    () -> job.isDone() || committed(out) >= 1 && TaskWatch.running(executorOf(dir.resolve("work0"))) > 0, 300);
            if (job.isDone()) fail("the job finished before a worker could be killed: " + job.get().err() + logs());
            int lostBefore = TaskWatch.LOST.get();
            kill(workers[0]);

            BatchFixture.Run r = job.get(300, TimeUnit.SECONDS);
            assertEquals(0, r.code(), r.err() + logs());
            assertTrue(TaskWatch.LOST.get() > lostBefore, "the killed executor's task was lost and run again");
            Map<String, Path> dirs = BatchFixture.promptDirectories(out);
            assertEquals(BatchFixture.promptDirectories(ref).keySet(), dirs.keySet(), "exactly one directory per prompt");
            for (Map.Entry<String, Path> e : dirs.entrySet()) BatchFixture.assertSameOutputs(ref.resolve(e.getKey()), e.getValue(), true);
            assertFalse(Files.exists(out.resolve(Output.TEMPORARY)), "no attempt's leftovers");
            List<Map<String, Object>> results = BatchFixture.results(out);
            assertEquals(PROMPTS.size(), results.size());
            // A lost task whose attempt had already committed its directory finds it complete when it runs again.
            assertTrue(results.stream().allMatch(m -> m.get("status").equals("ran") || m.get("status").equals("skipped")),
                    results.toString());
        } finally {
            for (Process p : processes) kill(p);
        }
    }

    /** Starts a Spark daemon class in its own JVM with this test's class path, bound to the loopback address. */
    private Process start(String name, Path sparkHome, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(JavaModuleOptions.defaultModuleOptionArray()));
        command.addAll(List.of("-Xmx512m", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_LOCAL_IP", LOOPBACK);
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        // Without it the launcher library looks for Spark's build directories to learn the Scala version.
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /** Kills a daemon and everything it started (a worker's executors), as a lost machine would. */
    private static void kill(Process p) {
        p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final Pattern ALIVE = Pattern.compile("\"state\"\\s*:\\s*\"ALIVE\"");

    /** Workers the master's status page lists as alive, or -1 while it does not answer. */
    private static int aliveWorkers(int uiPort) {
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://" + LOOPBACK + ":" + uiPort + "/json/"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) return -1;
            String body = r.body();
            int workers = body.indexOf("\"workers\"");
            int end = body.indexOf(']', workers);
            if (workers < 0 || end < 0) return -1;
            Matcher m = ALIVE.matcher(body.substring(workers, end));
            int n = 0;
            while (m.find()) n++;
            return n;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The id of the executor a worker started (its directory under the work directory), or "" before there is one. */
    private static String executorOf(Path workDir) {
        try (var apps = Files.list(workDir)) {
            for (Path app : apps.toList()) {
                try (var executors = Files.list(app)) {
                    for (Path e : executors.toList()) if (Files.isDirectory(e)) return e.getFileName().toString();
                }
            }
        } catch (IOException e) {
            return "";
        }
        return "";
    }

    private static long committed(Path out) {
        try {
            return Files.isDirectory(out) ? BatchFixture.promptDirectories(out).size() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private void waitFor(String what, BooleanSupplier condition, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            for (Process p : processes) {
                if (!p.isAlive()) fail("a Spark daemon exited while waiting for " + what + ": " + logs());
            }
            if (System.nanoTime() > deadline) fail("no " + what + " after " + seconds + " s: " + logs());
            Thread.sleep(250);
        }
    }

    private String logs() throws IOException {
        StringBuilder b = new StringBuilder();
        try (var files = Files.walk(dir)) {
            for (Path log : files.filter(p -> p.toString().endsWith(".log") || p.getFileName().toString().equals("stderr")).toList()) {
                List<String> lines = Files.readAllLines(log);
                b.append("\n--- ").append(log.getFileName()).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
            }
        }
        return b.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(LOOPBACK))) {
            return s.getLocalPort();
        }
    }

}
