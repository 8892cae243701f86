package flowscale.bench;

import flowscale.loader.DType;
import flowscale.loader.FloatConversions;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.SafetensorsWriter;
import flowscale.loader.TensorInfo;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * safetensors loading costs. Conversions (BF16/F16 to F32) are measured next to plain copies of the same bytes in
 * the same run, so the interesting number is the ratio: how close widening gets to memory bandwidth.
 * The file benchmarks open a generated 1 GiB checkpoint (in the page cache) and either only validate it or
 * also read every data byte through the mapping, and open a checkpoint of 20,000 small tensors whose cost is
 * almost all header validation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class SafetensorsBench {
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;

    /** Elements converted per call: 16 Mi halves = 32 MiB in, 64 MiB out (well beyond the caches). */
    @Param("16777216")
    int elements;

    private Arena arena;
    private MemorySegment halves;
    private MemorySegment halvesCopy;
    private MemorySegment floats;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        halves = arena.allocate(2L * elements, 64);
        halvesCopy = arena.allocate(2L * elements, 64);
        floats = arena.allocate(4L * elements, 64);
        Random r = new Random(1);
        for (long i = 0; i < elements; i++) {
            // Finite values of both formats (no NaN/Inf blend paths taken more than real weights would).
            halves.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * i, Float.floatToFloat16((float) r.nextGaussian()));
            floats.set(LE_FLOAT, 4 * i, (float) r.nextGaussian());
        }
        out = new float[elements];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] bf16ToF32() {
        FloatConversions.bf16ToF32(halves, 0, out, 0, elements);
        return out;
    }

    @Benchmark
    public float[] f16ToF32() {
        FloatConversions.f16ToF32(halves, 0, out, 0, elements);
        return out;
    }

    /** Scalar peer for the F16 conversion: the JDK's own (intrinsified) Float.float16ToFloat in a loop. */
    @Benchmark
    public float[] f16ToF32ScalarJdk() {
        for (int i = 0; i < elements; i++) {
            out[i] = Float.float16ToFloat(halves.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i));
        }
        return out;
    }

    /** Copy of the conversion's input bytes (2 bytes per element), off-heap to off-heap. */
    @Benchmark
    public MemorySegment copyInputBytes() {
        MemorySegment.copy(halves, 0, halvesCopy, 0, 2L * elements);
        return halvesCopy;
    }

    /** Copy into the conversion's destination array of float32 data of the same element count. */
    @Benchmark
    public float[] copyOutputBytes() {
        MemorySegment.copy(floats, LE_FLOAT, 0, out, 0, elements);
        return out;
    }

    /** A generated checkpoint of about 1 GiB: 16 BF16 tensors of 64 MiB, written once per trial. */
    @State(Scope.Benchmark)
    public static class LargeFile {
        @Param("1024")
        int megabytes;

        Path dir;
        Path file;

        @Setup(Level.Trial)
        public void create() throws IOException {
            dir = Files.createTempDirectory("flowscale-bench");
            file = dir.resolve("large.safetensors");
            int tensors = Math.max(1, megabytes / 64);
            byte[] chunk = new byte[64 << 20];
            new Random(2).nextBytes(chunk);
            SafetensorsWriter w = new SafetensorsWriter().metadata("purpose", "benchmark");
            for (int i = 0; i < tensors; i++) {
                // The writer keeps the array by reference, so every tensor shares one 64 MiB buffer.
                w.add(String.format("blocks.%02d.weight", i), DType.BF16, new long[] {8192, 4096}, chunk);
            }
            w.write(file);
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /** A header-heavy checkpoint: 20,000 small tensors (a header of about 1.6 MB), to time validation itself. */
    @State(Scope.Benchmark)
    public static class ManyTensors {
        Path dir;
        Path file;

        @Setup(Level.Trial)
        public void create() throws IOException {
            dir = Files.createTempDirectory("flowscale-bench");
            file = dir.resolve("many.safetensors");
            SafetensorsWriter w = new SafetensorsWriter();
            float[] values = new float[16];
            for (int i = 0; i < 20_000; i++) {
                w.addF32(String.format("blocks.%d.attn.qkv.weight.%05d", i % 48, i), new long[] {4, 4}, values);
            }
            w.write(file);
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    @Benchmark
    public int openManyTensors(ManyTensors many) {
        try (SafetensorsFile f = SafetensorsFile.open(many.file)) {
            return f.tensors().size();
        }
    }

    @Benchmark
    public int openAndValidate(LargeFile large) {
        try (SafetensorsFile f = SafetensorsFile.open(large.file)) {
            return f.tensors().size();
        }
    }

    /** Open, validate, then read every data byte through the fresh mapping (page-cache faults included). */
    @Benchmark
    public long openAndTouchAllData(LargeFile large) {
        try (SafetensorsFile f = SafetensorsFile.open(large.file)) {
            long acc = 0;
            for (TensorInfo t : f.tensors()) {
                acc ^= xorAll(f.bytes(t.name()));
            }
            return acc;
        }
    }

    private static long xorAll(MemorySegment s) {
        long n = s.byteSize();
        int step = LONGS.vectorByteSize();
        LongVector acc = LongVector.zero(LONGS);
        long i = 0;
        for (; i <= n - step; i += step) {
            acc = acc.lanewise(VectorOperators.XOR, LongVector.fromMemorySegment(LONGS, s, i, ByteOrder.LITTLE_ENDIAN));
        }
        long x = acc.reduceLanes(VectorOperators.XOR);
        for (; i < n; i++) {
            x ^= s.get(ValueLayout.JAVA_BYTE, i);
        }
        return x;
    }
}
