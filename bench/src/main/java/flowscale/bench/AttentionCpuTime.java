package flowscale.bench;

import flowscale.kernels.Tensor;
import flowscale.kernels.cpu.CpuBackend;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;

/**
 * A companion to {@link AttentionBench} for a shared machine: single-threaded flash attention in GFLOP
 * per CPU-second of the calling thread (median of 7 repetitions of 100 calls), at 4 heads x 64 dims unless a case
 * names its head dimension ({@code 16x67x32}: the shipped DiT's 67 tokens and 4 heads of 32).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar
 * flowscale.bench.AttentionCpuTime [PARTICLESxSEQ[xHEADDIM] ...]}
 */
public final class AttentionCpuTime {
    private static final String[] DEFAULT_CASES = {"16x64", "16x128", "64x64", "64x128"};
    private static final int HEADS = 4, HEAD_DIM = 64, REPS = 7, CALLS = 100;

    private AttentionCpuTime() {}

    public static void main(String[] args) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        System.out.println("| particles x heads x seq x hd | GFLOP/CPU-s |");
        System.out.println("|---|---|");
        try (CpuBackend cpu = new CpuBackend(1)) {
            for (String c : args.length > 0 ? args : DEFAULT_CASES) {
                String[] p = c.split("x");
                int particles = Integer.parseInt(p[0]), seq = Integer.parseInt(p[1]);
                int hd = p.length > 2 ? Integer.parseInt(p[2]) : HEAD_DIM;
                int rows = particles * seq, width = HEADS * hd;
                Tensor qkv = cpu.upload(GemmBench.random(new Random(1), rows * 3 * width), rows, 3 * width);
                Tensor q = qkv.colRange(0, width), k = qkv.colRange(width, width), v = qkv.colRange(2 * width, width);
                Tensor out = cpu.allocate(rows, width);
                double flops = 4.0 * particles * HEADS * seq * (double) seq * hd;
                for (int i = 0; i < 3 * CALLS; i++) cpu.attention(q, k, v, particles, seq, HEADS, (float) (1 / Math.sqrt(hd)), out);
                double[] g = new double[REPS];
                for (int r = 0; r < REPS; r++) {
                    long t0 = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < CALLS; i++) cpu.attention(q, k, v, particles, seq, HEADS, (float) (1 / Math.sqrt(hd)), out);
                    g[r] = flops * CALLS / (mx.getCurrentThreadCpuTime() - t0);
                }
                Arrays.sort(g);
                System.out.printf("| %d x %d x %d x %d | %.1f |%n", particles, HEADS, seq, hd, g[REPS / 2]);
            }
        }
    }
}
