package flowscale.bench;

import flowscale.kernels.Tensor;
import flowscale.kernels.cpu.CpuBackend;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;

/**
 * A companion to {@link TrainingBench} for a shared machine: the ops that use exponentials or row sums,
 * single-threaded, timed in CPU-microseconds of the calling thread per call (median of 7 repetitions),
 * at the same shape (16 items x 67 tokens, width 256, 4 heads of 64, MLP width 1024). CPU time leaves
 * out the time other processes hold the core, which wall-clock JMH runs on a loaded machine do not.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar
 * flowscale.bench.TrainingOpsCpuTime [OP-NAME-PART ...]} (all ops when no name part is given).
 */
public final class TrainingOpsCpuTime {
    private static final int BATCH = 16, SEQ = 67, HEADS = 4, WIDTH = 256, REPS = 7;

    private TrainingOpsCpuTime() {}

    public static void main(String[] args) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (CpuBackend cpu = new CpuBackend(1)) {
            int rows = BATCH * SEQ;
            Random rnd = new Random(5);
            Tensor qkv = cpu.upload(GemmBench.random(rnd, rows * 3 * WIDTH), rows, 3 * WIDTH);
            Tensor q = qkv.colRange(0, WIDTH), k = qkv.colRange(WIDTH, WIDTH), v = qkv.colRange(2 * WIDTH, WIDTH);
            Tensor dqkv = cpu.allocate(rows, 3 * WIDTH);
            Tensor dq = dqkv.colRange(0, WIDTH), dk = dqkv.colRange(WIDTH, WIDTH), dv = dqkv.colRange(2 * WIDTH, WIDTH);
            Tensor out = cpu.allocate(rows, WIDTH);
            cpu.attention(q, k, v, BATCH, SEQ, HEADS, 0.125f, out);
            Tensor dout = cpu.upload(GemmBench.random(rnd, rows * WIDTH), rows, WIDTH);
            Tensor x = cpu.upload(GemmBench.random(rnd, rows * WIDTH), rows, WIDTH);
            Tensor dy = cpu.upload(GemmBench.random(rnd, rows * WIDTH), rows, WIDTH);
            Tensor dx = cpu.allocate(rows, WIDTH), normOut = cpu.allocate(rows, WIDTH);
            Tensor dgamma = cpu.allocate(WIDTH), dbeta = cpu.allocate(WIDTH);
            Tensor mlp = cpu.upload(GemmBench.random(rnd, rows * 4 * WIDTH), rows, 4 * WIDTH);
            Tensor dmlp = cpu.allocate(rows, 4 * WIDTH);
            String[] names = {"attention forward", "attention backward", "gelu forward", "gelu backward",
                "silu forward", "layerNorm forward", "layerNorm backward", "rmsNorm forward", "sum + norm2"};
            Runnable[] ops = {
                () -> cpu.attention(q, k, v, BATCH, SEQ, HEADS, 0.125f, out),
                () -> cpu.attentionBackward(q, k, v, out, dout, BATCH, SEQ, HEADS, 0.125f, dq, dk, dv),
                () -> cpu.gelu(mlp, dmlp),
                () -> cpu.geluBackward(mlp, mlp, dmlp),
                () -> cpu.silu(mlp, dmlp),
                () -> cpu.layerNorm(x, null, null, 1e-6f, normOut),
                () -> cpu.layerNormBackward(x, null, 1e-6f, dy, dx, dgamma, dbeta),
                () -> cpu.rmsNorm(x, null, 1e-6f, normOut),
                () -> {
                    cpu.sum(mlp);
                    cpu.norm2(mlp);
                },
            };
            System.out.println("| op | CPU-µs per call |");
            System.out.println("|---|---:|");
            for (int o = 0; o < ops.length; o++) {
                if (!selected(names[o], args)) continue;
                int calls = o < 2 ? 20 : 200;
                for (int i = 0; i < 10 * calls; i++) ops[o].run(); // warm-up: C2 compiles the kernel
                double[] us = new double[REPS];
                for (int r = 0; r < REPS; r++) {
                    long t0 = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < calls; i++) ops[o].run();
                    us[r] = (mx.getCurrentThreadCpuTime() - t0) / 1e3 / calls;
                }
                Arrays.sort(us);
                System.out.printf("| %s | %.1f |%n", names[o], us[REPS / 2]);
            }
        }
    }

    private static boolean selected(String name, String[] parts) {
        if (parts.length == 0) return true;
        for (String p : parts) if (name.contains(p)) return true;
        return false;
    }
}
