package flowscale.bench;

import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;
import flowscale.kernels.cpu.CpuBackend;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;

/**
 * Where one small-batch forward pass of the shipped DiT (hidden 128, 4 heads, MLP 512, 67 tokens, depth 6)
 * spends its time: each op of a block at the forward's shapes for {@code particles} items, on one thread,
 * in CPU-microseconds of the calling thread per call (median of 9 repetitions of {@code calls} calls, after
 * as many warm-up calls), times how often a forward pass runs it. CPU time leaves out the time other
 * processes hold the core, so the profile holds on a loaded machine; it does not show hand-off costs.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar
 * flowscale.bench.ForwardOpsCpuTime [particles [calls]]} (defaults 1 and 1000).
 */
public final class ForwardOpsCpuTime {
    private static final int SEQ = 67, D = 128, HIDDEN = 512, HEADS = 4, DEPTH = 6, REPS = 9;

    private ForwardOpsCpuTime() {}

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        Random rnd = new Random(7);
        try (CpuBackend be = new CpuBackend(1)) {
            int rows = SEQ * n;
            Tensor x = random(be, rnd, rows, D), h = random(be, rnd, rows, D), qkv = random(be, rnd, rows, 3 * D);
            Tensor attention = be.allocate(rows, D), update = be.allocate(rows, D), mlp = random(be, rnd, rows, HIDDEN);
            Tensor modulation = random(be, rnd, n, 6 * D), siluC = random(be, rnd, n, D);
            PackedWeight ada = be.pack(random(be, rnd, 6 * D, D)), wQkv = be.pack(random(be, rnd, 3 * D, D));
            PackedWeight proj = be.pack(random(be, rnd, D, D)), fc1 = be.pack(random(be, rnd, HIDDEN, D));
            PackedWeight fc2 = be.pack(random(be, rnd, D, HIDDEN));
            Tensor bAda = random(be, rnd, 1, 6 * D), bQkv = random(be, rnd, 1, 3 * D), bD = random(be, rnd, 1, D);
            Tensor bHidden = random(be, rnd, 1, HIDDEN);
            Tensor shift = modulation.colRange(0, D), scale = modulation.colRange(D, D), gate = modulation.colRange(2 * D, D);
            Tensor q = qkv.colRange(0, D), k = qkv.colRange(D, D), v = qkv.colRange(2 * D, D);
            float attentionScale = (float) (1.0 / Math.sqrt(D / HEADS));
            double total = 0;
            total += report("linear adaLN (n x 128 -> 768)", DEPTH, calls, () -> be.linear(siluC, ada, bAda, modulation));
            total += report("layerNorm", 2 * DEPTH + 1, calls, () -> be.layerNorm(x, null, null, 1e-6f, h));
            total += report("modulate", 2 * DEPTH + 1, calls, () -> be.modulate(h, shift, scale, SEQ, h));
            total += report("linear qkv", DEPTH, calls, () -> be.linear(h, wQkv, bQkv, qkv));
            total += report("attention", DEPTH, calls, () -> be.attention(q, k, v, n, SEQ, HEADS, attentionScale, attention));
            total += report("linear proj", DEPTH, calls, () -> be.linear(attention, proj, bD, update));
            total += report("gatedAdd", 2 * DEPTH, calls, () -> be.gatedAdd(x, update, gate, SEQ));
            total += report("linear fc1", DEPTH, calls, () -> be.linear(h, fc1, bHidden, mlp));
            total += report("gelu", DEPTH, calls, () -> be.gelu(mlp, mlp));
            total += report("linear fc2", DEPTH, calls, () -> be.linear(mlp, fc2, bD, update));
            System.out.printf("%d particle(s): these ops sum to %.1f CPU-us per forward pass%n", n, total);
        }
    }

    private static Tensor random(CpuBackend be, Random rnd, int rows, int cols) {
        return be.upload(GemmBench.random(rnd, rows * cols), rows, cols);
    }

    /** Prints and returns CPU-microseconds per forward pass of an op run {@code perForward} times in one. */
    private static double report(String name, int perForward, int calls, Runnable op) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < calls; i++) op.run();
        long[] nanos = new long[REPS];
        for (int r = 0; r < REPS; r++) {
            long t0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < calls; i++) op.run();
            nanos[r] = mx.getCurrentThreadCpuTime() - t0;
        }
        Arrays.sort(nanos);
        double perCall = nanos[REPS / 2] / 1e3 / calls;
        System.out.printf("%-32s %8.2f us x %2d = %8.1f us%n", name, perCall, perForward, perCall * perForward);
        return perCall * perForward;
    }
}
