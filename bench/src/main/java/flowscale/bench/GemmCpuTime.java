package flowscale.bench;

import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;
import flowscale.kernels.cpu.CpuBackend;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;

/**
 * A companion to {@link GemmBench} for a shared machine: single-threaded GEMM of the cpu backend and of
 * OpenBLAS measured in GFLOP per CPU-second of the calling thread (both run entirely on it with one
 * thread), so time the thread spends descheduled by other processes does not count. Repetitions of the
 * two alternate, and the median of each is reported with their ratio.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
 * -cp bench/target/benchmarks.jar flowscale.bench.GemmCpuTime [MxNxK ...]}
 */
public final class GemmCpuTime {
    private static final String[] DEFAULT_SHAPES = {
        "128x768x256", "1024x768x256", "4096x768x256", "128x1024x256", "1024x1024x256", "4096x1024x256",
        "128x256x1024", "1024x256x1024", "4096x256x1024", "1024x1024x1024"};
    private static final int REPS = 7;
    /** Work per repetition, so every repetition lasts a few tenths of a second whatever the shape. */
    private static final double FLOPS_PER_REP = 2e10;

    private GemmCpuTime() {}

    public static void main(String[] args) {
        String[] shapes = args.length > 0 ? args : DEFAULT_SHAPES;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        openblas.blas_set_num_threads(1);
        System.out.println("| M x N x K | cpu GFLOP/CPU-s | OpenBLAS GFLOP/CPU-s | cpu / OpenBLAS |");
        System.out.println("|---|---|---|---|");
        try (CpuBackend cpu = new CpuBackend(1)) {
            for (String shape : shapes) {
                String[] p = shape.split("x");
                int m = Integer.parseInt(p[0]), n = Integer.parseInt(p[1]), k = Integer.parseInt(p[2]);
                double flops = 2.0 * m * n * k;
                int calls = (int) Math.max(1, FLOPS_PER_REP / flops);
                Random rnd = new Random(42);
                float[] xs = GemmBench.random(rnd, m * k), ws = GemmBench.random(rnd, n * k);
                Tensor x = cpu.upload(xs, m, k), out = cpu.allocate(m, n);
                PackedWeight w = cpu.pack(cpu.upload(ws, n, k));
                try (FloatPointer ax = new FloatPointer(xs); FloatPointer aw = new FloatPointer(ws);
                     FloatPointer ac = new FloatPointer((long) m * n)) {
                    Runnable ours = () -> cpu.linear(x, w, null, out);
                    Runnable peer = () -> openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans,
                            openblas.CblasTrans, m, n, k, 1f, ax, k, aw, k, 0f, ac, n);
                    for (int i = 0; i < calls; i++) { // warm-up: compile, page in, size scratch
                        ours.run();
                        peer.run();
                    }
                    double[] m2 = alternatingMedians(mx, ours, peer, REPS, calls, flops);
                    double ma = m2[0], mb = m2[1];
                    System.out.printf("| %s | %.1f | %.1f | %.2f |%n", shape, ma, mb, ma / mb);
                }
            }
        }
    }

    /**
     * GFLOP per CPU-second of this thread for {@code a} and {@code b}, measured {@code reps} times each, alternating so
     * that a shift in the machine's load hits both; the medians, {a, b}.
     */
    static double[] alternatingMedians(ThreadMXBean mx, Runnable a, Runnable b, int reps, int calls, double flops) {
        double[] ra = new double[reps], rb = new double[reps];
        for (int r = 0; r < reps; r++) {
            ra[r] = gflopsPerCpuSecond(mx, a, calls, flops);
            rb[r] = gflopsPerCpuSecond(mx, b, calls, flops);
        }
        return new double[] {median(ra), median(rb)};
    }

    private static double gflopsPerCpuSecond(ThreadMXBean mx, Runnable op, int calls, double flops) {
        long t0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < calls; i++) op.run();
        long t1 = mx.getCurrentThreadCpuTime();
        return flops * calls / (t1 - t0);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
