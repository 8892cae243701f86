package flowscale.kernels.cpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cpu ops give the same bits on their first, interpreted call as after the JIT has compiled them
 * with C2: exponentials and lane sums no longer depend on which compiler runs them. The check needs a
 * JVM in which the kernels have never run, so it starts one ({@link WarmupDeterminismProbe}); this
 * test JVM has usually compiled them already for the other tests.
 */
class CpuWarmupDeterminismTest {
    /** Calls per op: enough for C2 to compile every kernel (compilation is synchronous in the probe). */
    private static final int CALLS = 20_000;

    @Test
    void firstCallAndWarmCallsGiveIdenticalBits() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Xbatch", "-Xmx256m", "-XX:+UseSerialGC"));
        String bits = System.getProperty("flowscale.vector.bits");
        if (bits != null) command.add("-Dflowscale.vector.bits=" + bits);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                WarmupDeterminismProbe.class.getName(), Integer.toString(CALLS)));
        Path log = Files.createTempFile("warmup-probe", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean finished = p.waitFor(5, TimeUnit.MINUTES);
            if (!finished) p.destroyForcibly();
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(finished, "the probe JVM did not finish in 5 minutes:\n" + output);
            assertEquals(0, p.exitValue(), "outputs changed during the JIT warm-up:\n" + output);
            assertTrue(output.contains("attention at call " + CALLS + ": identical"), "the probe did not report:\n" + output);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
