package flowscale.bench;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.cpu.CpuBackend;
import flowscale.runtime.model.flux.FluxBlockHarness;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One FLUX.1 double-stream block and one single-stream block at the real width (hidden 3072, 24 heads of 128,
 * MLP ratio 4, RoPE axes 16/56/56), BF16 weights made in memory ({@link ProceduralWeights}), batch 1, with
 * schnell's 256 text tokens and the image tokens of a 256x256 image (256 = 16x16 packed latents) or a 512x512
 * image (1024). The blocks are the runtime's own ({@link FluxBlockHarness}). One op = one block forward, of
 * {@link #flops} flops.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class FluxBlockBench {
    @Param({"double", "single"})
    public String block;

    @Param({"256", "1024"})
    public int imageTokens;

    @Param({"256"})
    public int textTokens;

    /** Threads of the cpu backend; 0 = the backend's default (the machine's cores). */
    @Param({"0"})
    public int threads;

    private Backend backend;
    private FluxBlockHarness harness;

    @Setup(Level.Trial)
    public void setUp() {
        backend = threads == 0 ? Backends.create("cpu") : new CpuBackend(threads);
        harness = new FluxBlockHarness(backend, FluxBlockHarness.Block.valueOf(block.toUpperCase(Locale.ROOT)), imageTokens,
                textTokens, ProceduralWeights::bf16, ProceduralWeights::floats, 17);
        harness.run();
        harness.probe();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        harness.probe();
        backend.close();
    }

    @Benchmark
    public FluxBlockHarness forward() {
        harness.run();
        return harness;
    }

    /**
     * Flops of one block, counting each GEMM as {@code 2 M N K} and attention as its two products
     * ({@code 4 S^2 D} over all heads); element-wise work (norms, RoPE, GELU, softmax, gating) is not counted.
     * Double: per stream of {@code T} tokens qkv {@code 3D^2}, proj {@code D^2}, MLP {@code 8D^2} per token, plus the
     * stream's batch-1 modulation {@code 6D^2}: {@code 24 S D^2 + 24 D^2 + 4 S^2 D} with {@code S} joint tokens.
     * Single: linear1 {@code 7D^2}, linear2 {@code 5D^2} per token, modulation {@code 3D^2}:
     * {@code 24 S D^2 + 6 D^2 + 4 S^2 D}.
     */
    public static double flops(boolean doubleBlock, int tokens, int hidden) {
        double d = hidden, s = tokens;
        return 24 * s * d * d + (doubleBlock ? 24 : 6) * d * d + 4 * s * s * d;
    }
}
