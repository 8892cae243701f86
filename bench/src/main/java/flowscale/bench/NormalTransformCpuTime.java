package flowscale.bench;

import flowscale.kernels.NoiseScheme;
import flowscale.kernels.NormalQuantile;
import flowscale.kernels.Philox;
import flowscale.kernels.Tensor;
import flowscale.kernels.cpu.CpuBackend;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;

/**
 * A companion to {@link NormalTransformBench} for a shared machine: the same four fills of 3072 normals, timed in
 * CPU time of the calling thread (all four run on it: a one-thread cpu backend runs its op on the caller), so time
 * spent descheduled by other processes does not count. Repetitions of the four alternate, so that load shifts hit
 * all of them; medians and ratios to Box–Muller are reported.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
 * -cp bench/target/benchmarks.jar flowscale.bench.NormalTransformCpuTime}
 */
public final class NormalTransformCpuTime {
    private static final int N = 3072;
    private static final int FILLS_PER_REP = 2000;
    private static final int REPS = 15;

    private NormalTransformCpuTime() {}

    public static void main(String[] args) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        float[] out = new float[N];
        Random random = new Random(1);
        String[] names = {"boxmuller-v1 (StrictMath)", "quantile-v2 scalar", "quantile-v2 cpu op (1 thread)",
                "Random.nextGaussian"};
        double[][] nanosPerNormal = new double[names.length][REPS];
        try (CpuBackend cpu = new CpuBackend(1)) {
            Tensor t = cpu.allocate(N);
            int stream = 0;
            for (int rep = -3; rep < REPS; rep++) { // three warm-up rounds
                for (int v = 0; v < names.length; v++) {
                    long start = mx.getCurrentThreadCpuTime();
                    for (int f = 0; f < FILLS_PER_REP; f++, stream++) {
                        switch (v) {
                            case 0 -> Philox.fillNormal(0x5eedL, 0, 2 << 28, stream, 0, out, 0, N);
                            case 1 -> NormalQuantile.fill(0x5eedL, 0, 2 << 28, stream, 0, out, 0, N);
                            case 2 -> cpu.normal(NoiseScheme.QUANTILE_V2, 0x5eedL, 0, 2 << 28, stream, t);
                            default -> {
                                for (int i = 0; i < N; i++) out[i] = (float) random.nextGaussian();
                            }
                        }
                    }
                    long used = mx.getCurrentThreadCpuTime() - start;
                    if (rep >= 0) nanosPerNormal[v][rep] = (double) used / ((double) FILLS_PER_REP * N);
                }
            }
        }
        double base = median(nanosPerNormal[0]);
        System.out.println("| fill of 3072 normals | median ns CPU per normal | range | Box-Muller time / this |");
        System.out.println("|---|---:|---:|---:|");
        for (int v = 0; v < names.length; v++) {
            double[] s = nanosPerNormal[v].clone();
            Arrays.sort(s);
            System.out.printf("| %s | %.2f | %.2f-%.2f | %.2f |%n", names[v], median(s), s[0], s[s.length - 1], base / median(s));
        }
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
