package flowscale.bench;

import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;
import flowscale.kernels.cpu.CpuBackend;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
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
 * The cpu backend's linear layer ({@code out = x W^T}, packed W) against OpenBLAS {@code cblas_sgemm}
 * on the same shapes and thread count in the same JVM: the DiT projections for B particles of 64
 * tokens ({@code M = 64 B}) and the square 1024^3 product. One op = one product of {@code 2 M N K} flops.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmBench {
    /** {@code MxNxK}. */
    @Param({"128x768x256", "1024x768x256", "4096x768x256",
            "128x1024x256", "1024x1024x256", "4096x1024x256",
            "128x256x1024", "1024x256x1024", "4096x256x1024",
            "1024x1024x1024"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private int m, n, k;
    private CpuBackend cpu;
    private Tensor x, out;
    private PackedWeight w;
    private FloatPointer ax, aw, ac;

    @Setup(Level.Trial)
    public void setUp() {
        String[] p = shape.split("x");
        m = Integer.parseInt(p[0]);
        n = Integer.parseInt(p[1]);
        k = Integer.parseInt(p[2]);
        Random rnd = new Random(42);
        float[] xs = random(rnd, m * k), ws = random(rnd, n * k);
        cpu = new CpuBackend(threads);
        x = cpu.upload(xs, m, k);
        w = cpu.pack(cpu.upload(ws, n, k));
        out = cpu.allocate(m, n);
        openblas.blas_set_num_threads(threads); // the presets wrap openblas_set_num_threads here
        ax = new FloatPointer(xs);
        aw = new FloatPointer(ws);
        ac = new FloatPointer((long) m * n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
        ax.close();
        aw.close();
        ac.close();
    }

    static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rnd.nextFloat() - 0.5f;
        return a;
    }

    @Benchmark
    public Tensor cpu() {
        cpu.linear(x, w, null, out);
        return out;
    }

    @Benchmark
    public FloatPointer openblas() {
        openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans,
                m, n, k, 1f, ax, k, aw, k, 0f, ac, n);
        return ac;
    }
}
