package flowscale.kernels;

import flowscale.loader.DType;
import flowscale.loader.FloatConversions;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * Element types a weight may keep in memory, as checkpoints store them (little-endian, possibly
 * unaligned in a mapped file). Kernels read them in place (or from one packed copy of the same width)
 * and widen to float32 as they go, so a BF16, F16 or F8_E4M3 checkpoint never needs a float32 copy. Widening
 * is exact for every type, so a product over widened weights has exactly the rounding error of the float32
 * product over the same values. The types narrower than float32 are what {@link Backend#packHalf} takes.
 */
public enum WeightType {
    F32(4),
    /** bfloat16: the upper half of a float32 (8 exponent bits, 7 mantissa bits), so widening is a 16-bit shift. */
    BF16(2),
    /** IEEE 754 binary16 (5 exponent bits, 10 mantissa bits). */
    F16(2),
    /**
     * PyTorch's {@code float8_e4m3fn}: 4 exponent bits (bias 7), 3 mantissa bits, subnormals, no infinities, one NaN
     * per sign (S.1111.111); largest finite 448. Decoded by {@link FloatConversions#f8e4m3ToFloat}.
     */
    F8_E4M3(1);

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

    /** The weight type a safetensors dtype is stored as, if it is one (F32, BF16, F16, F8_E4M3; not F8_E5M2). */
    public static Optional<WeightType> of(DType dtype) {
        return switch (dtype) {
            case F32 -> Optional.of(F32);
            case BF16 -> Optional.of(BF16);
            case F16 -> Optional.of(F16);
            case F8_E4M3 -> Optional.of(F8_E4M3);
            default -> Optional.empty();
        };
    }

    /** Element {@code index} of {@code data}, widened to float32 (exactly: every type embeds in float32). */
    public float read(MemorySegment data, long index) {
        return switch (this) {
            case F32 -> data.get(F32_LE, index * 4);
            case BF16, F16 -> toFloat(data.get(HALF_LE, index * 2));
            case F8_E4M3 -> toFloat(data.get(ValueLayout.JAVA_BYTE, index));
        };
    }

    /** The float32 value of one element of a type narrower than float32, given as its raw bits (the low 16 or 8 bits). */
    public float toFloat(int bits) {
        return switch (this) {
            case BF16 -> Float.intBitsToFloat((bits & 0xFFFF) << 16);
            case F16 -> Float.float16ToFloat((short) bits);
            case F8_E4M3 -> FloatConversions.f8e4m3ToFloat((byte) bits);
            case F32 -> throw new IllegalArgumentException("F32 is not narrower than float32");
        };
    }

    /**
     * The checks of {@link Backend#packHalf}, for every backend: a type narrower than float32 (BF16, F16, F8_E4M3),
     * non-negative sizes, and a segment of exactly that many elements.
     */
    public static void checkHalfWeight(MemorySegment data, WeightType format, int outFeatures, int inFeatures) {
        if (data == null || format == null) throw new IllegalArgumentException("packHalf: data and format are required");
        if (format == F32) throw new IllegalArgumentException("packHalf: F32 is not a narrow weight type (BF16, F16 or F8_E4M3); use pack");
        if (outFeatures < 0 || inFeatures < 0 || data.byteSize() != (long) format.bytes * outFeatures * inFeatures) {
            throw new IllegalArgumentException("packHalf: " + data.byteSize() + " bytes do not hold a " + format + " weight ["
                    + outFeatures + ", " + inFeatures + "]");
        }
    }
}
