package flowscale.bench;

import flowscale.kernels.cpu.CpuBackend;
import flowscale.runtime.model.flux.FluxBlockHarness;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * A companion to {@link FluxBlockBench} for a shared machine: the same blocks on a single-threaded cpu backend
 * (everything on the calling thread), timed in CPU-seconds of that thread so that time descheduled by other
 * processes does not count. Prints, per block and token count, the median CPU-seconds per block forward and the
 * GFLOP per CPU-second ({@link FluxBlockBench#flops}).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar
 * flowscale.bench.FluxBlockCpuTime [reps]}
 */
public final class FluxBlockCpuTime {
    private FluxBlockCpuTime() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        System.out.println("| block | image + text tokens | CPU-s per block (median of " + reps + ") | GFLOP per block | GFLOP/CPU-s |");
        System.out.println("|---|---|---:|---:|---:|");
        for (FluxBlockHarness.Block block : FluxBlockHarness.Block.values()) {
            for (int imageTokens : new int[] {256, 1024}) {
                try (CpuBackend cpu = new CpuBackend(1)) {
                    FluxBlockHarness h = new FluxBlockHarness(cpu, block, imageTokens, 256, ProceduralWeights::bf16,
                            ProceduralWeights::floats, 17);
                    h.run(); // warm-up
                    double[] t = new double[reps];
                    for (int r = 0; r < reps; r++) {
                        long t0 = mx.getCurrentThreadCpuTime();
                        h.run();
                        t[r] = (mx.getCurrentThreadCpuTime() - t0) * 1e-9;
                    }
                    h.probe();
                    double seconds = GemmCpuTime.median(t);
                    double gflop = FluxBlockBench.flops(block == FluxBlockHarness.Block.DOUBLE, h.tokens(), 3072) * 1e-9;
                    System.out.printf("| %s | %d + 256 | %.3f | %.1f | %.1f |%n", block.name().toLowerCase(java.util.Locale.ROOT),
                            imageTokens, seconds, gflop, gflop / seconds);
                }
            }
        }
    }
}
