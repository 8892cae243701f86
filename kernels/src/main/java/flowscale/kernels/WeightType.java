package flowscale.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Element types a weight may keep in memory, as checkpoints store them (little-endian, possibly
 * unaligned in a mapped file). Kernels read them in place (or from one packed copy of the same width)
 * and widen to float32 as they go, so a BF16 or F16 checkpoint never needs a float32 copy. Widening is
 * exact for every type, so a product over widened weights has exactly the rounding error of the float32
 * product over the same values.
 */
public enum WeightType {
    F32(4),
    /** bfloat16: the upper half of a float32 (8 exponent bits, 7 mantissa bits), so widening is a 16-bit shift. */
    BF16(2),
    /** IEEE 754 binary16 (5 exponent bits, 10 mantissa bits). */
    F16(2);

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort HALF_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int bytes;

    WeightType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Element {@code index} of {@code data}, widened to float32 (exactly: both types embed in float32). */
    public float read(MemorySegment data, long index) {
        return switch (this) {
            case F32 -> data.get(F32_LE, index * 4);
            case BF16, F16 -> toFloat(data.get(HALF_LE, index * 2));
        };
    }

    /** The float32 value of one element of a 16-bit type given as its raw bits. */
    public float toFloat(short bits) {
        return switch (this) {
            case BF16 -> Float.intBitsToFloat((bits & 0xFFFF) << 16);
            case F16 -> Float.float16ToFloat(bits);
            case F32 -> throw new IllegalArgumentException("F32 is not a 16-bit type");
        };
    }

    /**
     * The checks of {@link Backend#packHalf}, for every backend: a 16-bit type, non-negative sizes, and a segment
     * of exactly that many elements.
     */
    public static void checkHalfWeight(MemorySegment data, WeightType format, int outFeatures, int inFeatures) {
        if (data == null || format == null) throw new IllegalArgumentException("packHalf: data and format are required");
        if (format.bytes != 2) throw new IllegalArgumentException("packHalf: " + format + " is not a 16-bit weight type (BF16 or F16)");
        if (outFeatures < 0 || inFeatures < 0 || data.byteSize() != 2L * outFeatures * inFeatures) {
            throw new IllegalArgumentException("packHalf: " + data.byteSize() + " bytes do not hold a " + format + " weight ["
                    + outFeatures + ", " + inFeatures + "]");
        }
    }
}
