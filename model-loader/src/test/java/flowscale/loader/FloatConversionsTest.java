package flowscale.loader;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The vectorised converters against their scalar definitions, exhaustively for the 16-bit formats. */
class FloatConversionsTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** All 65536 bit patterns, stored at an odd byte offset so the vector loads are unaligned. */
    private static MemorySegment allHalves() {
        MemorySegment seg = MemorySegment.ofArray(new byte[1 + 2 * 65536]);
        for (int i = 0; i < 65536; i++) {
            seg.set(LE_SHORT, 1 + 2L * i, (short) i);
        }
        return seg;
    }

    /** Repeated so that the check covers the interpreted, C1 and C2-compiled (intrinsic) vector code alike. */
    private static final int ROUNDS = 40;

    @Test
    void f16MatchesFloat16ToFloatForAll65536Values() {
        MemorySegment halves = allHalves();
        float[] out = new float[65536 + 3];
        for (int round = 0; round < ROUNDS; round++) {
            FloatConversions.f16ToF32(halves, 1, out, 3, 65536);
            for (int i = 0; i < 65536; i++) {
                float expected = Float.float16ToFloat((short) i);
                assertBitsEqual(expected, out[3 + i], "f16 0x" + Integer.toHexString(i));
            }
        }
    }

    @Test
    void bf16IsTheUpperHalfOfFloat32ForAll65536Values() {
        MemorySegment halves = allHalves();
        float[] out = new float[65536];
        for (int round = 0; round < ROUNDS; round++) {
            FloatConversions.bf16ToF32(halves, 1, out, 0, 65536);
            for (int i = 0; i < 65536; i++) {
                assertBitsEqual(Float.intBitsToFloat(i << 16), out[i], "bf16 0x" + Integer.toHexString(i));
            }
        }
    }

    @Test
    void everyLengthAndOffsetHandlesTheScalarTail() {
        MemorySegment halves = allHalves();
        for (int count = 0; count < 70; count++) {
            for (int start = 0; start < 3; start++) {
                float[] h = new float[count];
                float[] b = new float[count];
                FloatConversions.f16ToF32(halves, 1 + 2L * (15360 + start), h, 0, count);
                FloatConversions.bf16ToF32(halves, 1 + 2L * (16256 + start), b, 0, count);
                for (int i = 0; i < count; i++) {
                    assertBitsEqual(Float.float16ToFloat((short) (15360 + start + i)), h[i], "f16 tail");
                    assertBitsEqual(Float.intBitsToFloat((16256 + start + i) << 16), b[i], "bf16 tail");
                }
            }
        }
    }

    @Test
    void f64NarrowsLikeTheJavaCast() {
        Random r = new Random(7);
        int n = 1000;
        double[] values = new double[n];
        MemorySegment seg = MemorySegment.ofArray(new byte[3 + 8 * n]);
        for (int i = 0; i < n; i++) {
            values[i] = switch (i % 5) {
                case 0 -> r.nextGaussian();
                case 1 -> Double.longBitsToDouble(r.nextLong());
                case 2 -> r.nextGaussian() * 1e-40;
                case 3 -> r.nextGaussian() * 1e39;
                default -> Double.NaN;
            };
            seg.set(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 3 + 8L * i, values[i]);
        }
        float[] out = new float[n];
        FloatConversions.f64ToF32(seg, 3, out, 0, n);
        for (int i = 0; i < n; i++) {
            float expected = (float) values[i];
            if (Float.isNaN(expected)) {
                assertEquals(true, Float.isNaN(out[i]), "NaN stays NaN");
            } else {
                assertBitsEqual(expected, out[i], "f64 " + values[i]);
            }
        }
    }

    @Test
    void bf16RoundingIsNearestEven() {
        // 1 + 2^-8 is exactly halfway between bf16 1.0 and 1 + 2^-7: ties go to the even mantissa, 1.0.
        assertEquals(1.0f, FloatConversions.bf16ToFloat(FloatConversions.floatToBf16(1f + 0x1p-8f)));
        // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): rounds up.
        assertEquals(1f + 0x1p-6f, FloatConversions.bf16ToFloat(FloatConversions.floatToBf16(1f + 3 * 0x1p-8f)));
        assertEquals(1f + 0x1p-7f, FloatConversions.bf16ToFloat(FloatConversions.floatToBf16(1f + 0x1p-8f + 0x1p-20f)));
        assertEquals(Float.POSITIVE_INFINITY, FloatConversions.bf16ToFloat(FloatConversions.floatToBf16(Float.MAX_VALUE)));
        assertEquals(true, Float.isNaN(FloatConversions.bf16ToFloat(FloatConversions.floatToBf16(Float.intBitsToFloat(0x7f800001)))));
        // Exhaustive over bf16 values: every representable value converts to itself.
        for (int i = 0; i < 65536; i++) {
            float v = Float.intBitsToFloat(i << 16);
            if (!Float.isNaN(v)) {
                assertEquals((short) i, FloatConversions.floatToBf16(v));
            }
        }
    }

    private static void assertBitsEqual(float expected, float actual, String what) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual), what);
    }
}
