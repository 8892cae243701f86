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
 * Flash attention of the cpu backend at DiT shapes: {@code particles} batch items, 4 heads of 64
 * dimensions, {@code seq} tokens, q/k/v read as column chunks of one fused qkv buffer. One op =
 * {@code 4 B H S^2 hd} flops (two products of S x S x hd).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class AttentionBench {
    @Param({"16", "64"})
    public int particles;

    @Param({"64", "128"})
    public int seq;

    @Param({"1", "2"})
    public int threads;

    static final int HEADS = 4, HEAD_DIM = 64;

    private CpuBackend cpu;
    private Tensor q, k, v, out;

    @Setup(Level.Trial)
    public void setUp() {
        int rows = particles * seq, width = HEADS * HEAD_DIM;
        cpu = new CpuBackend(threads);
        Tensor qkv = cpu.upload(GemmBench.random(new Random(7), rows * 3 * width), rows, 3 * width);
        q = qkv.colRange(0, width);
        k = qkv.colRange(width, width);
        v = qkv.colRange(2 * width, width);
        out = cpu.allocate(rows, width);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
    }

    @Benchmark
    public Tensor attention() {
        cpu.attention(q, k, v, particles, seq, HEADS, 0.125f, out);
        return out;
    }
}
