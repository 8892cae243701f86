package flowscale.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Deterministic stand-in weights for benchmarks at real model widths, generated in memory (nothing is
 * downloaded): BF16 values of about {@code scale}'s magnitude, stored as the little-endian bytes of a
 * safetensors BF16 tensor, so the same values can be read back as float32 for an F32 peer. Speed does not depend
 * on the values, only on their being finite and of a realistic scale (no overflow or subnormals).
 */
public final class ProceduralWeights {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ProceduralWeights() {}

    /**
     * {@code rows x cols} BF16 values (row-major, little-endian) from {@code seed}, allocated in {@code arena}: each
     * of random sign, a random 7-bit mantissa and a magnitude in {@code [scale/8, 2 scale)} (four binades below
     * {@code scale}'s), built from 16 random bits so that a block's hundreds of millions of weights take a moment.
     */
    public static MemorySegment bf16(Arena arena, int rows, int cols, long seed, float scale) {
        long count = (long) rows * cols;
        MemorySegment seg = arena.allocate(2 * count, 8);
        SplittableRandom rng = new SplittableRandom(seed);
        int top = 127 + Math.getExponent(scale);
        long i = 0;
        for (; i + 4 <= count; i += 4) {
            long r = rng.nextLong(), packed = 0;
            for (int j = 0; j < 4; j++) packed |= (bf16Bits((int) (r >>> (16 * j)), top) & 0xffffL) << (16 * j);
            seg.set(LE_LONG, 2 * i, packed);
        }
        for (; i < count; i++) seg.set(LE_SHORT, 2 * i, bf16Bits(rng.nextInt(), top));
        return seg;
    }

    /** Sign bit 15, binade {@code top - (bits 7..8)}, mantissa bits 0..6 of {@code r}. */
    private static short bf16Bits(int r, int top) {
        return (short) ((r & 0x807f) | ((top - ((r >>> 7) & 3)) << 7));
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

}
