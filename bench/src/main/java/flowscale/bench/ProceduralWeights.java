package flowscale.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Deterministic stand-in weights for benchmarks at real model widths, generated in memory (nothing is
 * downloaded): uniform in {@code [-scale, scale)}, rounded to BF16 and stored as the little-endian bytes of a
 * safetensors BF16 tensor, so the same values can be read back as float32 for an F32 peer. Speed does not depend
 * on the values, only on their being finite and of a realistic scale (no overflow or subnormals).
 */
public final class ProceduralWeights {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ProceduralWeights() {}

    /** {@code rows x cols} BF16 values (row-major, little-endian) from {@code seed}, allocated in {@code arena}. */
    public static MemorySegment bf16(Arena arena, int rows, int cols, long seed, float scale) {
        long count = (long) rows * cols;
        MemorySegment seg = arena.allocate(2 * count, 2);
        SplittableRandom rng = new SplittableRandom(seed);
        for (long i = 0; i < count; i++) {
            float v = (float) ((rng.nextDouble() * 2 - 1) * scale);
            seg.set(LE_SHORT, 2 * i, toBf16(v));
        }
        return seg;
    }

    /** The scale of a layer with {@code in} inputs: {@code 1 / sqrt(in)}, as a default initialisation gives. */
    public static float scaleFor(int in) {
        return (float) (1 / Math.sqrt(in));
    }

    /** The BF16 values of {@code seg} widened to float32 (exact). */
    public static float[] toFloats(MemorySegment seg) {
        float[] out = new float[Math.toIntExact(seg.byteSize() / 2)];
        for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat(seg.get(LE_SHORT, 2L * i) << 16);
        return out;
    }

    /** {@code count} floats uniform in {@code [-scale, scale)}: activations for a benchmark's inputs. */
    public static float[] floats(int count, long seed, float scale) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] out = new float[count];
        for (int i = 0; i < count; i++) out[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        return out;
    }

    /** Round to nearest even; the values here are finite. */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }
}
