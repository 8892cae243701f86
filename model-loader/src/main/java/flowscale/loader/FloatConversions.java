package flowscale.loader;

import jdk.incubator.vector.ByteVector;
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
 * F16 follows {@link Float#float16ToFloat}, F8_E4M3 follows {@link #f8e4m3ToFloat}, F64 follows the {@code (float)}
 * cast (round to nearest even). Of the 8-bit float types only F8_E4M3 is converted; F8_E5M2 and F8_E8M0 are not.
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

    /** Byte lanes, as many as int lanes; a 32-bit byte vector does not exist, so 4-lane int species stay scalar. */
    private static final boolean F8_VECTORISED = VECTORISED && INTS.vectorBitSize() >= 256;
    private static final VectorSpecies<Byte> BYTES = F8_VECTORISED
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(INTS.vectorBitSize() / 4)) : null;

    /** 2^(127 - 7): the difference of the float32 and F8_E4M3 exponent biases. */
    private static final float F8_RESCALE = 0x1p120f;

    /** The largest finite F8_E4M3 magnitude, S.1111.110 = 1.75 x 2^8. */
    public static final float F8_E4M3_MAX = 448f;

    /**
     * The 256 F8_E4M3 values by code, from the bit definition (PyTorch's {@code float8_e4m3fn}): sign, 4 exponent
     * bits with bias 7, 3 mantissa bits; exponent 0 is subnormal ({@code m/8 * 2^-6}); no infinities; S.1111.111 is
     * NaN. Codes 0 to 126 are the non-negative finite values in increasing order.
     */
    private static final float[] F8_E4M3 = new float[256];

    static {
        for (int code = 0; code < 256; code++) {
            int exponent = (code >>> 3) & 0xf, mantissa = code & 7;
            float magnitude = exponent == 0 ? Math.scalb((float) mantissa, -9) : Math.scalb((float) (8 + mantissa), exponent - 10);
            if (exponent == 15 && mantissa == 7) magnitude = Float.NaN;
            F8_E4M3[code] = (code & 0x80) != 0 ? -magnitude : magnitude;
        }
    }

    /** Converts {@code count} elements of {@code dtype} starting at byte {@code srcOffset} of {@code src}. */
    public static void toF32(DType dtype, MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, LE_FLOAT, srcOffset, dst, dstOffset, count);
            case BF16 -> bf16ToF32(src, srcOffset, dst, dstOffset, count);
            case F16 -> f16ToF32(src, srcOffset, dst, dstOffset, count);
            case F64 -> f64ToF32(src, srcOffset, dst, dstOffset, count);
            case F8_E4M3 -> f8e4m3ToF32(src, srcOffset, dst, dstOffset, count);
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

    /**
     * F8_E4M3 by the rescaling trick of {@link #f16ToF32}: the 7 magnitude bits shifted left by 20 land in float32's
     * low exponent and high mantissa bits, giving a float32 that is the value times 2^-120 (exactly: exponent 0
     * codes become float32 subnormals with the same mantissa, which is the right scaling for F8 subnormals too),
     * so one multiplication by 2^120 rescales it; the NaN code gets a quiet NaN, and the sign, already in bit 31
     * after sign extension, is or-ed in last. Equal to {@link #f8e4m3ToFloat} element for element.
     */
    public static void f8e4m3ToF32(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        int i = 0;
        if (F8_VECTORISED) {
            int lanes = INTS.length();
            for (; i <= count - lanes; i += lanes) {
                ByteVector b = ByteVector.fromMemorySegment(BYTES, src, srcOffset + i, ByteOrder.LITTLE_ENDIAN);
                IntVector raw = (IntVector) b.convertShape(VectorOperators.B2I, INTS, 0);
                IntVector magnitude = raw.and(0x7f);
                IntVector bits = magnitude.lanewise(VectorOperators.LSHL, 20).reinterpretAsFloats().mul(F8_RESCALE).reinterpretAsInts();
                bits = bits.blend(0x7fc0_0000, magnitude.compare(VectorOperators.EQ, 0x7f));
                bits.or(raw.and(0x8000_0000)).reinterpretAsFloats().intoArray(dst, dstOffset + i);
            }
        }
        for (; i < count; i++) {
            dst[dstOffset + i] = f8e4m3ToFloat(src.get(ValueLayout.JAVA_BYTE, srcOffset + i));
        }
    }

    /** One F8_E4M3 (raw bits) as float32; exact, as every F8_E4M3 value is a float32. */
    public static float f8e4m3ToFloat(byte bits) {
        return F8_E4M3[bits & 0xff];
    }

    /**
     * float32 to F8_E4M3 bits with round to nearest, ties to even (the even code is the one with mantissa bit 0),
     * as PyTorch's {@code tensor.to(torch.float8_e4m3fn)} rounds. NaN stays NaN (sign kept). Magnitudes above
     * 464, which would round past {@link #F8_E4M3_MAX} to where the format has only NaN, and infinities are
     * refused rather than turned into NaN.
     *
     * @throws IllegalArgumentException for a value F8_E4M3 cannot hold
     */
    public static byte floatToF8e4m3(float value) {
        int sign = (Float.floatToRawIntBits(value) >>> 24) & 0x80;
        if (Float.isNaN(value)) return (byte) (sign | 0x7f);
        float magnitude = Math.abs(value);
        if (!(magnitude <= 464f)) {
            throw new IllegalArgumentException(value + " is outside F8_E4M3's range (largest finite value " + F8_E4M3_MAX + ")");
        }
        int lo = 0, hi = 126; // the largest code whose value is at most the magnitude
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (F8_E4M3[mid] <= magnitude) lo = mid;
            else hi = mid - 1;
        }
        int code = lo;
        if (code < 126) {
            double halfway = ((double) F8_E4M3[code] + F8_E4M3[code + 1]) / 2; // exact in double
            if (magnitude > halfway || (magnitude == halfway && (code & 1) == 1)) code++;
        }
        return (byte) (sign | code);
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
