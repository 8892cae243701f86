package flowscale.bench;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;
import flowscale.kernels.opencl.OpenClBackend;
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
 * The OpenCL backend (PoCL on this machine's CPU) against the Vector-API cpu backend, op by op, at the
 * shapes of a DiT forward pass over a batch of particles. Both backends run in the same JVM and run, so
 * the ratio between the two {@code backend} values is what to read. OpenCL ops are asynchronous: every
 * benchmark waits for the device ({@link OpenClBackend#finish}) so kernels, not enqueueing, are timed.
 *
 * <p>The forked JVM must start with {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so} in the environment
 * (PoCL's LLVM installs signal handlers); JMH passes the parent's environment on to the fork.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class OpenClBench {
    /** {@code cpu} or an OpenCL spec ({@code opencl}, {@code opencl:P:D}, ...). */
    @Param({"cpu", "opencl"})
    public String backend;

    /** Rows of activations: particles x tokens (8 particles of 64 image + 3 prompt tokens = 536). */
    @Param({"536"})
    public int rows;

    /** Model width (hidden size). */
    @Param({"384"})
    public int hidden;

    private static final int HEADS = 6;
    private static final int PARTICLES = 8;
    private static final int LATENT = 8 * 3 * 32 * 32;

    private Backend b;
    private Tensor x, qkvOut, mlpHidden, mlpOut, normOut, qkv, attnOut;
    private Tensor gamma, beta, bias3, bias4, bias1;
    private PackedWeight wQkv, wUp, wDown;
    private Tensor latent, velocity, noise, latentOut;

    @Setup(Level.Trial)
    public void setUp() {
        b = Backends.create(backend);
        Random r = new Random(42);
        x = b.upload(random(r, rows * hidden), rows, hidden);
        wQkv = b.pack(b.upload(random(r, 3 * hidden * hidden), 3 * hidden, hidden));
        wUp = b.pack(b.upload(random(r, 4 * hidden * hidden), 4 * hidden, hidden));
        wDown = b.pack(b.upload(random(r, 4 * hidden * hidden), hidden, 4 * hidden));
        bias3 = b.upload(random(r, 3 * hidden), 3 * hidden);
        bias4 = b.upload(random(r, 4 * hidden), 4 * hidden);
        bias1 = b.upload(random(r, hidden), hidden);
        qkvOut = b.allocate(rows, 3 * hidden);
        mlpHidden = b.upload(random(r, rows * 4 * hidden), rows, 4 * hidden);
        mlpOut = b.allocate(rows, hidden);
        normOut = b.allocate(rows, hidden);
        gamma = b.upload(random(r, hidden), hidden);
        beta = b.upload(random(r, hidden), hidden);
        qkv = b.upload(random(r, rows * 3 * hidden), rows, 3 * hidden);
        attnOut = b.allocate(rows, hidden);
        latent = b.upload(random(r, LATENT), LATENT);
        velocity = b.upload(random(r, LATENT), LATENT);
        noise = b.upload(random(r, LATENT), LATENT);
        latentOut = b.allocate(LATENT);
        sync();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        b.close();
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * 0.1);
        return a;
    }

    private void sync() {
        if (b instanceof OpenClBackend cl) cl.finish();
    }

    /** The fused qkv projection: [rows, hidden] x [3 hidden, hidden]^T. */
    @Benchmark
    public void linearQkv() {
        b.linear(x, wQkv, bias3, qkvOut);
        sync();
    }

    /** The MLP's first layer: [rows, hidden] x [4 hidden, hidden]^T. */
    @Benchmark
    public void linearMlpUp() {
        b.linear(x, wUp, bias4, mlpHidden);
        sync();
    }

    /** The MLP's second layer: [rows, 4 hidden] x [hidden, 4 hidden]^T. */
    @Benchmark
    public void linearMlpDown() {
        b.linear(mlpHidden, wDown, bias1, mlpOut);
        sync();
    }

    /** Joint attention over the fused qkv output, 8 particles x 67 tokens, 6 heads of 64. */
    @Benchmark
    public void attention() {
        int w = hidden;
        b.attention(qkv.colRange(0, w), qkv.colRange(w, w), qkv.colRange(2 * w, w), PARTICLES, rows / PARTICLES, HEADS,
                (float) (1 / Math.sqrt((double) w / HEADS)), attnOut);
        sync();
    }

    @Benchmark
    public void layerNorm() {
        b.layerNorm(x, gamma, beta, 1e-6f, normOut);
        sync();
    }

    /** One SDE step over 8 latents of 3 x 32 x 32. */
    @Benchmark
    public void sdeUpdate() {
        b.sdeUpdate(latent, velocity, 0.02f, 0.1f, noise, latentOut);
        sync();
    }
}
