package flowscale.kernels.cpu;

import flowscale.kernels.HalfFloat;
import flowscale.kernels.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * A 16-bit weight widens exactly and is then multiplied by the same micro-kernel in the same order as a float32
 * weight, so linear over {@code packHalf(bits)} equals linear over {@code pack(widened bits)} bit for bit, at every
 * thread count, over tails in M, N and K and several K blocks.
 */
class CpuHalfGemmTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int[][] SHAPES = {{1, 1, 1}, {7, 33, 9}, {13, 47, 300}, {64, 96, 513}, {257, 40, 31}, {3, 1030, 64}};

    @Test
    void halfWeightsEqualTheirWideningBitForBit() {
        Random rnd = new Random(3);
        for (int threads : new int[] {1, 2, 3}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                for (HalfFloat format : HalfFloat.values()) {
                    for (int[] s : SHAPES) {
                        int m = s[0], n = s[1], k = s[2];
                        MemorySegment bits = MemorySegment.ofArray(new byte[2 * n * k + 1]).asSlice(1); // unaligned, as in a mapped file
                        float[] widened = new float[n * k];
                        for (int i = 0; i < widened.length; i++) {
                            float v = (float) rnd.nextGaussian();
                            short h = format == HalfFloat.BF16 ? (short) (Float.floatToRawIntBits(v) >>> 16) : Float.floatToFloat16(v);
                            bits.set(LE_SHORT, 2L * i, h);
                            widened[i] = format.toFloat(h);
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
}
