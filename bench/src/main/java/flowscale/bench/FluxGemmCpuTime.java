package flowscale.bench;

import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;
import flowscale.kernels.WeightType;
import flowscale.kernels.cpu.CpuBackend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * A companion to {@link FluxGemmBench} for a shared machine: the BF16-weight and the F32-weight linear layer of
 * the cpu backend at FLUX.1's block shapes, single-threaded on the calling thread, in GFLOP per CPU-second of
 * that thread (time descheduled by other processes does not count). Repetitions of the two alternate; the
 * median of each and their ratio are printed as a Markdown table.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar
 * flowscale.bench.FluxGemmCpuTime [MxNxK ...]}
 */
public final class FluxGemmCpuTime {
    static final String[] DEFAULT_SHAPES = {
        "256x9216x3072", "256x3072x3072", "256x12288x3072", "256x3072x12288",
        "1024x9216x3072", "1024x12288x3072", "1024x3072x12288",
        "512x21504x3072", "512x3072x15360", "1x18432x3072"};
    private static final int REPS = 5;
    /** Work per repetition, so a repetition lasts a few tenths of a second whatever the shape. */
    private static final double FLOPS_PER_REP = 3e10;

    private FluxGemmCpuTime() {}

    public static void main(String[] args) {
        String[] shapes = args.length > 0 ? args : DEFAULT_SHAPES;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        System.out.println("| M x N x K | F32 GFLOP/CPU-s | BF16 GFLOP/CPU-s | BF16 / F32 |");
        System.out.println("|---|---:|---:|---:|");
        for (String shape : shapes) {
            String[] p = shape.split("x");
            int m = Integer.parseInt(p[0]), n = Integer.parseInt(p[1]), k = Integer.parseInt(p[2]);
            double flops = 2.0 * m * n * k;
            int calls = (int) Math.max(1, Math.round(FLOPS_PER_REP / flops));
            try (CpuBackend cpu = new CpuBackend(1); Arena arena = Arena.ofConfined()) {
                Tensor x = cpu.upload(ProceduralWeights.floats(m * k, 1, 1f), m, k);
                Tensor bias = cpu.upload(ProceduralWeights.floats(n, 2, 0.1f), n);
                Tensor out = cpu.allocate(m, n);
                MemorySegment w = ProceduralWeights.bf16(arena, n, k, 3, ProceduralWeights.scaleFor(k));
                PackedWeight half = cpu.packHalf(w, WeightType.BF16, n, k);
                PackedWeight full = cpu.pack(cpu.upload(ProceduralWeights.toFloats(w), n, k));
                Runnable f32 = () -> cpu.linear(x, full, bias, out);
                Runnable bf16 = () -> cpu.linear(x, half, bias, out);
                for (int i = 0; i < Math.max(2, calls); i++) { // warm-up: compile, page in, size scratch
                    f32.run();
                    bf16.run();
                }
                double[] m2 = GemmCpuTime.alternatingMedians(mx, f32, bf16, REPS, calls, flops);
                double ma = m2[0], mb = m2[1];
                System.out.printf("| %s | %.1f | %.1f | %.2f |%n", shape, ma, mb, mb / ma);
            }
        }
    }
}
