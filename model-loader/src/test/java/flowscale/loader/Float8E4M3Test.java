package flowscale.loader;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * F8_E4M3 ({@code float8_e4m3fn}): every one of the 256 codes against a value computed here from the bit definition,
 * the vectorised widening against the scalar one, and rounding to nearest even against a brute-force search.
 */
class Float8E4M3Test {

    /** The bit definition, evaluated in double: (-1)^s 2^(e-7) (1 + m/8) for e > 0, (-1)^s 2^-6 (m/8) for e = 0. */
    private static double definition(int code) {
        int s = code >>> 7, e = (code >>> 3) & 15, m = code & 7;
        if (e == 15 && m == 7) return Double.NaN;
        double magnitude = e == 0 ? Math.pow(2, -6) * (m / 8.0) : Math.pow(2, e - 7) * (1 + m / 8.0);
        return s == 1 ? -magnitude : magnitude;
    }

    @Test
    void everyCodeDecodesToItsBitDefinition() {
        int nans = 0;
        for (int code = 0; code < 256; code++) {
            float got = FloatConversions.f8e4m3ToFloat((byte) code);
            double want = definition(code);
            if (Double.isNaN(want)) {
                assertTrue(Float.isNaN(got), "code 0x" + Integer.toHexString(code) + " is NaN");
                nans++;
            } else {
                assertEquals(want, got, 0.0, "code 0x" + Integer.toHexString(code));
                assertEquals(code >= 128, (Float.floatToRawIntBits(got) & 0x8000_0000) != 0, "sign of 0x" + Integer.toHexString(code));
            }
        }
        assertEquals(2, nans, "only S.1111.111 is NaN; there are no infinities");
        assertEquals(448f, FloatConversions.f8e4m3ToFloat((byte) 0x7e));
        assertEquals(FloatConversions.F8_E4M3_MAX, FloatConversions.f8e4m3ToFloat((byte) 0x7e));
        assertEquals(0x1p-9f, FloatConversions.f8e4m3ToFloat((byte) 0x01), "smallest subnormal");
        assertEquals(0x1p-6f, FloatConversions.f8e4m3ToFloat((byte) 0x08), "smallest normal");
        assertEquals(1f, FloatConversions.f8e4m3ToFloat((byte) 0x38));
        assertEquals(-0f, FloatConversions.f8e4m3ToFloat((byte) 0x80));
    }

    /** The vector widening equals the scalar one for every code, at every alignment and length (scalar tails). */
    @Test
    void vectorWideningEqualsTheTableAtEveryOffsetAndLength() {
        int n = 256 * 5;
        MemorySegment codes = MemorySegment.ofArray(new byte[n + 3]);
        for (int i = 0; i < n; i++) codes.set(ValueLayout.JAVA_BYTE, 3 + i, (byte) (i * 37 + i / 256));
        for (int round = 0; round < 40; round++) { // interpreted, C1 and C2 (intrinsic) vector code alike
            for (int offset = 0; offset < 4; offset++) {
                float[] out = new float[n + 2];
                FloatConversions.f8e4m3ToF32(codes, offset, out, 2, n - 1);
                for (int i = 0; i < n - 1; i++) {
                    float want = FloatConversions.f8e4m3ToFloat(codes.get(ValueLayout.JAVA_BYTE, offset + i));
                    assertBitsOrNaN(want, out[2 + i], "offset " + offset + " element " + i);
                }
            }
        }
        for (int count = 0; count < 70; count++) {
            float[] out = new float[count];
            FloatConversions.toF32(DType.F8_E4M3, codes, 1, out, 0, count);
            for (int i = 0; i < count; i++) {
                assertBitsOrNaN(FloatConversions.f8e4m3ToFloat(codes.get(ValueLayout.JAVA_BYTE, 1 + i)), out[i], count + "/" + i);
            }
        }
    }

    @Test
    void roundingIsToNearestWithTiesToEven() {
        for (int code = 0; code < 256; code++) {
            float v = FloatConversions.f8e4m3ToFloat((byte) code);
            if (!Float.isNaN(v)) assertEquals((byte) code, FloatConversions.floatToF8e4m3(v), "code 0x" + Integer.toHexString(code));
        }
        // Halfway cases go to the code with mantissa bit 0.
        assertEquals((byte) 0x38, FloatConversions.floatToF8e4m3(1f + 0x1p-4f));         // 1.0625: between 1 (0x38) and 1.125 (0x39)
        assertEquals((byte) 0x3a, FloatConversions.floatToF8e4m3(1f + 3 * 0x1p-4f));      // 1.1875: between 0x39 and 0x3a
        assertEquals((byte) 0x00, FloatConversions.floatToF8e4m3(0x1p-10f));              // half the smallest subnormal
        assertEquals((byte) 0x02, FloatConversions.floatToF8e4m3(3 * 0x1p-10f));          // 1.5 subnormal steps
        assertEquals((byte) 0x7e, FloatConversions.floatToF8e4m3(464f));                  // between 448 and (NaN's) 480
        assertEquals((byte) 0x39, FloatConversions.floatToF8e4m3(Math.nextUp(1f + 0x1p-4f)));
        assertEquals((byte) 0x80, FloatConversions.floatToF8e4m3(-0f));
        assertEquals((byte) 0x80, FloatConversions.floatToF8e4m3(-0x1p-11f));
        assertEquals((byte) 0xff, FloatConversions.floatToF8e4m3(Float.intBitsToFloat(0xffc0_0000)));
        assertEquals((byte) 0x7f, FloatConversions.floatToF8e4m3(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> FloatConversions.floatToF8e4m3(Math.nextUp(464f)));
        assertThrows(IllegalArgumentException.class, () -> FloatConversions.floatToF8e4m3(Float.NEGATIVE_INFINITY));

        Random rnd = new Random(8);
        for (int i = 0; i < 20_000; i++) {
            float v = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(20) - 12));
            if (Math.abs(v) > 464f) continue;
            assertEquals(nearestEven(v), FloatConversions.floatToF8e4m3(v), "value " + v);
        }
    }

    /** Brute force over the 254 finite codes: the nearest, ties to the even mantissa. */
    private static byte nearestEven(float v) {
        int best = -1;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int code = 0; code < 256; code++) {
            double d = definition(code);
            if (Double.isNaN(d) || (code >= 128) != (Float.floatToRawIntBits(v) < 0)) continue;
            double distance = Math.abs(d - v);
            if (distance < bestDistance || (distance == bestDistance && (code & 1) == 0)) {
                best = code;
                bestDistance = distance;
            }
        }
        return (byte) best;
    }

    @Test
    void writerAndReaderRoundTripF8E4M3() {
        float[] values = {0f, -0f, 1f, -2.5f, 0.3f, 448f, -448f, 0x1p-9f, Float.NaN, 1e-6f};
        long[] shape = {values.length};
        try (SafetensorsFile f = Bytes.read(Bytes.written(new SafetensorsWriter().addF8E4M3("w", shape, values)))) {
            assertEquals(DType.F8_E4M3, f.tensor("w").dtype());
            float[] got = f.toFloatArray("w");
            float[] want = new float[values.length];
            for (int i = 0; i < values.length; i++) want[i] = FloatConversions.f8e4m3ToFloat(FloatConversions.floatToF8e4m3(values[i]));
            assertArrayEquals(want, got);
            assertEquals(0.3125f, got[4]);
            assertEquals(0f, got[9]);
        }
    }

    private static void assertBitsOrNaN(float want, float got, String what) {
        if (Float.isNaN(want)) assertTrue(Float.isNaN(got), what + ": NaN expected, got " + got);
        else assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), what + ": " + got + " instead of " + want);
    }
}
