package flowscale.bench;

import flowscale.kernels.NoiseScheme;
import flowscale.kernels.NormalQuantile;
import flowscale.kernels.Philox;
import flowscale.kernels.Tensor;
import flowscale.kernels.cpu.CpuBackend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One candidate's proposal noise in the main job: 3072 standard normals into a float array. The search's transform
 * before {@code quantile-v2} ({@code boxmuller-v1}: Philox + Box–Muller in StrictMath) against {@code quantile-v2}'s
 * fill ({@link NormalQuantile#fill}: plain Java whose Philox loops C2 vectorises) and through the cpu backend's
 * {@code normal} op on one thread (the same fill, then a copy into the tensor), with a plain
 * {@link Random#nextGaussian} loop (not reproducible across JDKs' algorithms and not counter-based) as the peer.
 * Every fill draws a new stream (s2 counts up), as a search does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class NormalTransformBench {
    private static final int N = 3072;
    private static final long KEY = 0x5eedL;

    private final float[] out = new float[N];
    private final Random random = new Random(1);
    private int stream;
    private CpuBackend cpu;
    private Tensor tensor;

    @Setup(Level.Trial)
    public void setUp() {
        cpu = new CpuBackend(1);
        tensor = cpu.allocate(N);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
    }

    @Benchmark
    public float[] boxMullerStrictMath() {
        Philox.fillNormal(KEY, 0, 2 << 28, stream++, 0, out, 0, N);
        return out;
    }

    @Benchmark
    public float[] quantileScalar() {
        NormalQuantile.fill(KEY, 0, 2 << 28, stream++, 0, out, 0, N);
        return out;
    }

    @Benchmark
    public Tensor quantileCpuOp() {
        cpu.normal(NoiseScheme.QUANTILE_V2, KEY, 0, 2 << 28, stream++, tensor);
        return tensor;
    }

    @Benchmark
    public float[] randomNextGaussian() {
        for (int i = 0; i < N; i++) out[i] = (float) random.nextGaussian();
        return out;
    }
}
