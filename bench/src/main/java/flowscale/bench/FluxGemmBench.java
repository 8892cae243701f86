package flowscale.bench;

import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;
import flowscale.kernels.WeightType;
import flowscale.kernels.cpu.CpuBackend;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The cpu backend's linear layer over BF16 weights ({@code packHalf}, widened inside the GEMM) against the same
 * layer over float32 weights ({@code pack}), at the GEMM shapes of FLUX.1's blocks (hidden 3072, MLP 12288) for
 * the token counts of a 256x256 image (256 image tokens, and schnell's 256 text tokens) and a 512x512 image
 * (1024 image tokens): {@code 9216x3072} is a double block's qkv, {@code 12288x3072} its {@code mlp.0},
 * {@code 3072x12288} its {@code mlp.2}; {@code 1x18432x3072} is a stream's modulation at batch 1 (one row, so
 * bound by the weight bytes). Both weights hold the same values (procedural, rounded to BF16), so the two
 * products are the same arithmetic; setup checks that their outputs are bit-identical. One op = one product of
 * {@code 2 M N K} flops.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class FluxGemmBench {
    /** {@code MxNxK}. */
    @Param({"256x9216x3072", "256x12288x3072", "256x3072x12288",
            "1024x9216x3072", "1024x12288x3072", "1024x3072x12288", "1x18432x3072"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private CpuBackend cpu;
    private Tensor x, bias, out;
    private PackedWeight f32, bf16;

    @Setup(Level.Trial)
    public void setUp() {
        String[] p = shape.split("x");
        int m = Integer.parseInt(p[0]), n = Integer.parseInt(p[1]), k = Integer.parseInt(p[2]);
        cpu = new CpuBackend(threads);
        x = cpu.upload(ProceduralWeights.floats(m * k, 1, 1f), m, k);
        bias = cpu.upload(ProceduralWeights.floats(n, 2, 0.1f), n);
        out = cpu.allocate(m, n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = ProceduralWeights.bf16(arena, n, k, 3, ProceduralWeights.scaleFor(k));
            bf16 = cpu.packHalf(w, WeightType.BF16, n, k);
            Tensor wf = cpu.upload(ProceduralWeights.toFloats(w), n, k);
            f32 = cpu.pack(wf);
        }
        float[] a = new float[m * n], b = new float[m * n];
        cpu.download(f32(), a, 0);
        cpu.download(bf16(), b, 0);
        if (!Arrays.equals(a, b)) throw new IllegalStateException("BF16 and F32 products of the same values differ at " + shape);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
    }

    @Benchmark
    public Tensor f32() {
        cpu.linear(x, f32, bias, out);
        return out;
    }

    @Benchmark
    public Tensor bf16() {
        cpu.linear(x, bf16, bias, out);
        return out;
    }
}
