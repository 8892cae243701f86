package flowscale.bench;

import flowscale.kernels.Tensor;
import flowscale.kernels.cpu.CpuBackend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Backward ops of the cpu backend next to their forward ops, measured in the same run so the ratio
 * backward / forward holds on a noisy machine. Shape: a training batch of {@code batch} items of a small
 * DiT (64 image tokens + 3 condition tokens = 67, width 256, 4 heads of 64). Attention backward does
 * about 2.5x the forward's flops (scores recomputed, then dP, dQ, dK, dV: 10 vs 4 {@code B H S^2 hd}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TrainingBench {
    @Param({"16"})
    public int batch;

    @Param({"2"})
    public int threads;

    static final int SEQ = 67, HEADS = 4, HEAD_DIM = 64, WIDTH = HEADS * HEAD_DIM;

    private CpuBackend cpu;
    private Tensor q, k, v, out, dout, dq, dk, dv, x, dy, dx, normOut, dgamma, dbeta, ada, dada, mlp, dmlp;

    @Setup(Level.Trial)
    public void setUp() {
        int rows = batch * SEQ;
        Random rnd = new Random(5);
        cpu = new CpuBackend(threads);
        Tensor qkv = cpu.upload(GemmBench.random(rnd, rows * 3 * WIDTH), rows, 3 * WIDTH);
        q = qkv.colRange(0, WIDTH);
        k = qkv.colRange(WIDTH, WIDTH);
        v = qkv.colRange(2 * WIDTH, WIDTH);
        Tensor dqkv = cpu.allocate(rows, 3 * WIDTH);
        dq = dqkv.colRange(0, WIDTH);
        dk = dqkv.colRange(WIDTH, WIDTH);
        dv = dqkv.colRange(2 * WIDTH, WIDTH);
        out = cpu.allocate(rows, WIDTH);
        cpu.attention(q, k, v, batch, SEQ, HEADS, 0.125f, out);
        dout = cpu.upload(GemmBench.random(rnd, rows * WIDTH), rows, WIDTH);
        x = cpu.upload(GemmBench.random(rnd, rows * WIDTH), rows, WIDTH);
        dy = cpu.upload(GemmBench.random(rnd, rows * WIDTH), rows, WIDTH);
        dx = cpu.allocate(rows, WIDTH);
        normOut = cpu.allocate(rows, WIDTH);
        dgamma = cpu.allocate(WIDTH);
        dbeta = cpu.allocate(WIDTH);
        ada = cpu.upload(GemmBench.random(rnd, batch * 6 * WIDTH), batch, 6 * WIDTH);
        dada = cpu.allocate(batch, 6 * WIDTH);
        mlp = cpu.upload(GemmBench.random(rnd, rows * 4 * WIDTH), rows, 4 * WIDTH);
        dmlp = cpu.allocate(rows, 4 * WIDTH);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
    }

    @Benchmark
    public Tensor attentionForward() {
        cpu.attention(q, k, v, batch, SEQ, HEADS, 0.125f, out);
        return out;
    }

    @Benchmark
    public Tensor attentionBackward() {
        cpu.attentionBackward(q, k, v, out, dout, batch, SEQ, HEADS, 0.125f, dq, dk, dv);
        return dq;
    }

    @Benchmark
    public Tensor layerNormForward() {
        cpu.layerNorm(x, null, null, 1e-6f, normOut);
        return normOut;
    }

    @Benchmark
    public Tensor layerNormBackward() {
        cpu.layerNormBackward(x, null, 1e-6f, dy, dx, dgamma, dbeta);
        return dx;
    }

    @Benchmark
    public Tensor modulateForward() {
        cpu.modulate(x, ada.colRange(0, WIDTH), ada.colRange(WIDTH, WIDTH), SEQ, normOut);
        return normOut;
    }

    @Benchmark
    public Tensor modulateBackward() {
        cpu.modulateBackward(x, ada.colRange(WIDTH, WIDTH), dy, SEQ, dx, dada.colRange(0, WIDTH), dada.colRange(WIDTH, WIDTH));
        return dx;
    }

    @Benchmark
    public Tensor geluForward() {
        cpu.gelu(mlp, dmlp);
        return dmlp;
    }

    @Benchmark
    public Tensor geluBackward() {
        cpu.geluBackward(mlp, mlp, dmlp);
        return dmlp;
    }
}
