package flowscale.kernels.cpu;

import flowscale.kernels.WeightType;
import flowscale.kernels.Tensor;
import flowscale.loader.FloatConversions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A narrow (BF16, F16, F8_E4M3) weight widens exactly and is then multiplied by the same micro-kernel in the same
 * order as a float32 weight, so linear over {@code packHalf(bits)} equals linear over {@code pack(widened bits)} bit
 * for bit, at every thread count, over tails in M, N and K and several K blocks, with subnormals among the weights;
 * one- and two-row products of BF16 weights take a kernel that widens in registers, and must agree too.
 */
class CpuHalfGemmTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int[][] SHAPES = {{1, 1, 1}, {7, 33, 9}, {13, 47, 300}, {64, 96, 513}, {257, 40, 31}, {3, 1030, 64},
        {1, 300, 600}, {2, 160, 70}, {2, 4 * GemmKernel.NR * 3 + 5, 260}}; // one and two rows: the in-register BF16 kernel

    @Test
    void halfWeightsEqualTheirWideningBitForBit() {
        Random rnd = new Random(3);
        for (int threads : new int[] {1, 2, 3}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                for (WeightType format : new WeightType[] {WeightType.BF16, WeightType.F16, WeightType.F8_E4M3}) {
                    boolean f8 = format == WeightType.F8_E4M3;
                    for (int[] s : SHAPES) {
                        int m = s[0], n = s[1], k = s[2];
                        MemorySegment bits = MemorySegment.ofArray(new byte[format.bytes() * n * k + 1]).asSlice(1); // unaligned, as in a mapped file
                        float[] widened = new float[n * k];
                        for (int i = 0; i < widened.length; i++) {
                            // Every 7th weight tiny: F16 subnormals (below 6.1e-5), BF16's smallest normals, F8 subnormals (below 2^-6).
                            float v = (float) (rnd.nextGaussian() * (i % 7 == 3 ? (f8 ? 4e-3 : 1e-6) : 1.0));
                            if (f8) {
                                byte b = FloatConversions.floatToF8e4m3(v);
                                bits.set(ValueLayout.JAVA_BYTE, i, b);
                                widened[i] = format.toFloat(b);
                            } else {
                                short h = format == WeightType.BF16 ? (short) (Float.floatToRawIntBits(v) >>> 16) : Float.floatToFloat16(v);
                                bits.set(LE_SHORT, 2L * i, h);
                                widened[i] = format.toFloat(h);
                            }
                        }
                        float[] xs = new float[m * k];
                        for (int i = 0; i < xs.length; i++) xs[i] = (float) rnd.nextGaussian();
                        Tensor x = be.upload(xs, m, k), bias = be.upload(new float[n], n);
                        Tensor half = be.allocate(m, n), wide = be.allocate(m, n);
                        be.linear(x, be.packHalf(bits, format, n, k), bias, half);
                        be.linear(x, be.pack(be.upload(widened, n, k)), bias, wide);
                        float[] a = new float[m * n], b = new float[m * n];
                        be.download(half, a, 0);
                        be.download(wide, b, 0);
                        assertArrayEquals(b, a, format + " " + m + "x" + n + "x" + k + " on " + threads + " threads");
                    }
                }
            }
        }
    }

    /**
     * Every bit pattern of each format (65536 for the 16-bit ones, 256 for F8_E4M3), through a 1-input layer with
     * x = 1: subnormals, infinities, NaN, zeros.
     */
    @Test
    void everyHalfValueWidensExactly() {
        try (CpuBackend be = new CpuBackend(2)) {
            for (WeightType format : new WeightType[] {WeightType.BF16, WeightType.F16, WeightType.F8_E4M3}) {
                int n = 1 << (8 * format.bytes());
                MemorySegment bits = MemorySegment.ofArray(new byte[format.bytes() * n]);
                for (int i = 0; i < n; i++) {
                    if (format.bytes() == 1) bits.set(ValueLayout.JAVA_BYTE, i, (byte) i);
                    else bits.set(LE_SHORT, 2L * i, (short) i);
                }
                Tensor out = be.allocate(1, n);
                be.linear(be.upload(new float[] {1f}, 1, 1), be.packHalf(bits, format, n, 1), null, out);
                float[] got = new float[n];
                be.download(out, got, 0);
                for (int i = 0; i < n; i++) {
                    float want = format.toFloat(i);
                    if (want == 0f) {
                        // The product's accumulator starts at +0, and +0 + -0 = +0: the sign of a zero is the GEMM's, not the widening's.
                        assertEquals(0f, got[i], 0f, format + " " + Integer.toHexString(i));
                    } else if (Float.isNaN(want)) {
                        assertTrue(Float.isNaN(got[i]), format + " " + Integer.toHexString(i) + " should be NaN, got " + got[i]);
                    } else {
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[i]),
                                format + " bits " + Integer.toHexString(i) + ": " + got[i] + " instead of " + want);
                    }
                }
            }
        }
    }
}
