package flowscale.loader;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Widening of stored little-endian floating-point elements to float32, vectorised with the Vector API.
 * Sources are raw byte segments (usually slices of a mapped file, so possibly unaligned); destinations are
 * float arrays. Results are bit-for-bit those of the scalar definitions: BF16 is the upper half of a float32,
 * F16 follows {@link Float#float16ToFloat}, F64 follows the {@code (float)} cast (round to nearest even).
 */
public final class FloatConversions {
    private FloatConversions() {
    }

    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble LE_DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The int lanes; the short and double species below have the same lane count so one step converts one vector. */
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final boolean VECTORISED = INTS.vectorBitSize() >= 128;
    private static final VectorSpecies<Short> HALVES = VECTORISED
            ? VectorSpecies.of(short.class, VectorShape.forBitSize(INTS.vectorBitSize() / 2)) : null;
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FLOATS_FROM_DOUBLES = VECTORISED
            ? VectorSpecies.of(float.class, VectorShape.forBitSize(DOUBLES.vectorBitSize() / 2)) : null;

    /** 2^(127 - 15): the difference of the float32 and float16 exponent biases. */
    private static final float F16_RESCALE = 0x1p112f;

    /** Converts {@code count} elements of {@code dtype} starting at byte {@code srcOffset} of {@code src}. */
    public static void toF32(DType dtype, MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, LE_FLOAT, srcOffset, dst, dstOffset, count);
            case BF16 -> bf16ToF32(src, srcOffset, dst, dstOffset, count);
            case F16 -> f16ToF32(src, srcOffset, dst, dstOffset, count);
            case F64 -> f64ToF32(src, srcOffset, dst, dstOffset, count);
            default -> throw new IllegalArgumentException(dtype + " is not a floating-point type convertible to F32");
        }
    }

    /** bfloat16 is the top 16 bits of a float32: widening is a 16-bit left shift of the raw bits. */
    public static void bf16ToF32(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        int i = 0;
        if (VECTORISED) {
            int lanes = INTS.length();
            for (; i <= count - lanes; i += lanes) {
                ShortVector h = ShortVector.fromMemorySegment(HALVES, src, srcOffset + 2L * i, ByteOrder.LITTLE_ENDIAN);
                // Sign extension fills the upper 16 bits, which the shift then discards.
                IntVector bits = (IntVector) h.convertShape(VectorOperators.S2I, INTS, 0);
                bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOffset + i);
            }
        }
        for (; i < count; i++) {
            dst[dstOffset + i] = bf16ToFloat(src.get(LE_SHORT, srcOffset + 2L * i));
        }
    }

    /**
     * float16 by the rescaling trick: the 15 magnitude bits shifted into float32's exponent and mantissa fields
     * give a float32 whose value is the half's value times 2^-112 (exactly, subnormals included, because float32
     * has the extra exponent range), so one multiplication by 2^112 rescales it. Halves with an all-ones
     * exponent (infinity, NaN) get an all-ones float32 exponent instead, NaNs quietened as
     * {@link Float#float16ToFloat} does; the sign is or-ed in last.
     */
    public static void f16ToF32(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        int i = 0;
        if (VECTORISED) {
            int lanes = INTS.length();
            for (; i <= count - lanes; i += lanes) {
                ShortVector h = ShortVector.fromMemorySegment(HALVES, src, srcOffset + 2L * i, ByteOrder.LITTLE_ENDIAN);
                IntVector raw = (IntVector) h.convertShape(VectorOperators.S2I, INTS, 0);
                IntVector magnitude = raw.and(0x7fff);
                IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
                IntVector bits = shifted.reinterpretAsFloats().mul(F16_RESCALE).reinterpretAsInts();
                bits = bits.blend(shifted.or(0x7f80_0000), magnitude.compare(VectorOperators.GE, 0x7c00));
                bits = bits.blend(shifted.or(0x7fc0_0000), magnitude.compare(VectorOperators.GT, 0x7c00));
                IntVector sign = raw.lanewise(VectorOperators.LSHL, 16).and(0x8000_0000);
                bits.or(sign).reinterpretAsFloats().intoArray(dst, dstOffset + i);
            }
        }
        for (; i < count; i++) {
            dst[dstOffset + i] = Float.float16ToFloat(src.get(LE_SHORT, srcOffset + 2L * i));
        }
    }

    /** float64 narrowed with the Java {@code (float)} cast: round to nearest even, overflow to infinity. */
    public static void f64ToF32(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        int i = 0;
        if (VECTORISED) {
            int lanes = DOUBLES.length();
            for (; i <= count - lanes; i += lanes) {
                DoubleVector d = DoubleVector.fromMemorySegment(DOUBLES, src, srcOffset + 8L * i, ByteOrder.LITTLE_ENDIAN);
                ((FloatVector) d.convertShape(VectorOperators.D2F, FLOATS_FROM_DOUBLES, 0)).intoArray(dst, dstOffset + i);
            }
        }
        for (; i < count; i++) {
            dst[dstOffset + i] = (float) src.get(LE_DOUBLE, srcOffset + 8L * i);
        }
    }

    /** One bfloat16 (raw bits) as float32. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /**
     * float32 to bfloat16 bits with round to nearest, ties to even. NaN stays NaN (quietened, sign kept)
     * rather than rounding into an infinity.
     */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7fff + lsb) >>> 16);
    }

    /** Species in use, for benchmark and startup reports. */
    public static String describeSpecies() {
        return VECTORISED ? HALVES + " -> " + INTS + ", " + DOUBLES + " -> " + FLOATS_FROM_DOUBLES : "scalar (no vector shape >= 128 bits)";
    }
}
