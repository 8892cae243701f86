package flowscale.bench;

import flowscale.kernels.HostStorage;
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

import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The fused SDE step {@code out = x - f dt + g sqrt(dt) z} (3 reads + 1 write = 16 bytes per element)
 * against a plain {@link MemorySegment#copy} moving the same 16 bytes per element (2n floats read,
 * 2n written), in the same run. {@code n} = particles x 3 x 32 x 32 latents; 4M elements is out of cache.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SdeUpdateBench {
    @Param({"196608", "4194304"})
    public int n;

    @Param({"1", "2"})
    public int threads;

    private CpuBackend cpu;
    private Tensor x, f, z, out;
    private MemorySegment copySrc, copyDst;

    @Setup(Level.Trial)
    public void setUp() {
        cpu = new CpuBackend(threads);
        Random rnd = new Random(3);
        x = cpu.upload(GemmBench.random(rnd, n), n);
        f = cpu.upload(GemmBench.random(rnd, n), n);
        z = cpu.upload(GemmBench.random(rnd, n), n);
        out = cpu.allocate(n);
        copySrc = ((HostStorage) cpu.upload(GemmBench.random(rnd, 2 * n), 2 * n).storage()).segment();
        copyDst = ((HostStorage) cpu.allocate(2 * n).storage()).segment();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
    }

    @Benchmark
    public Tensor sdeUpdate() {
        cpu.sdeUpdate(x, f, 0.02f, 0.1f, z, out);
        return out;
    }

    @Benchmark
    public MemorySegment segmentCopy() {
        MemorySegment.copy(copySrc, 0, copyDst, 0, copyDst.byteSize());
        return copyDst;
    }
}
