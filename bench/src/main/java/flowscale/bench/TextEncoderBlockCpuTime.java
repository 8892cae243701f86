package flowscale.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;

/**
 * A companion to {@link TextEncoderBlockBench} for a shared machine: each layer's encode timed by wall clock and by
 * the CPU time the whole process used (all worker threads), median of 5 after 3 warm-up calls. On a loaded machine
 * the wall time is inflated by descheduling while the CPU time is not, so CPU-seconds / cores bounds what a quiet
 * machine would take. Run from the repository root:
 * {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar flowscale.bench.TextEncoderBlockCpuTime [LAYER...]}
 * ({@code -Dbackend=cpu:1} for one thread).
 */
public final class TextEncoderBlockCpuTime {
    private static final int WARMUP = 3, REPS = 5;

    private TextEncoderBlockCpuTime() {}

    public static void main(String[] args) throws IOException {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        System.out.println("| layer | wall ms (median of " + REPS + ") | process CPU ms | GFLOP per call |");
        System.out.println("|---|---:|---:|---:|");
        for (String layer : args.length > 0 ? args : new String[] {"clip-l-77", "t5-xxl-256", "t5-xxl-512"}) {
            TextEncoderBlockBench b = new TextEncoderBlockBench();
            b.layer = layer;
            b.backendName = System.getProperty("backend", "cpu");
            b.setUp();
            for (int i = 0; i < WARMUP; i++) b.encodeOneLayer();
            double[] wall = new double[REPS], cpu = new double[REPS];
            for (int i = 0; i < REPS; i++) {
                long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
                b.encodeOneLayer();
                wall[i] = (System.nanoTime() - t0) / 1e6;
                cpu[i] = (os.getProcessCpuTime() - c0) / 1e6;
            }
            java.util.Arrays.sort(wall);
            java.util.Arrays.sort(cpu);
            System.out.printf(java.util.Locale.ROOT, "| %s | %.1f | %.1f | %.2f |%n", layer, wall[REPS / 2], cpu[REPS / 2], b.flops() / 1e9);
            b.tearDown();
        }
    }
}
