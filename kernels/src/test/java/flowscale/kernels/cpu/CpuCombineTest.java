package flowscale.kernels.cpu;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code combine} on the cpu backend is Java's own double arithmetic bit for bit (what the samplers compute on the host
 * for the same coefficients), on strided row views whose length is not a whole number of vectors, with one, two or
 * three terms, in place, and on NaN, infinite, subnormal and overflowing values: the property that keeps
 * a search on the device path identical to the host path. Conformance only bounds the error; this asserts none.
 */
class CpuCombineTest {
    @Test
    void equalsJavasDoubleArithmeticBitForBit() {
        SplittableRandom rng = new SplittableRandom(2026);
        try (Backend be = new CpuBackend(2)) {
            check(be, rng, "cold");
            // again once the JIT has compiled the loop
            Tensor w = be.allocate(3, 64);
            for (int i = 0; i < 20_000; i++) be.combine(0.5, w, 0.25, w, 0.125, w, w);
            check(be, rng, "warm");
            Tensor x = be.allocate(2, 3);
            assertThrows(IllegalArgumentException.class, () -> be.combine(1, x, 1, be.allocate(3, 2), 0, null, x));
        }
    }

    private static void check(Backend be, SplittableRandom rng, String when) {
        int rows = 3, cols = 37, ld = 41;
        for (int terms = 1; terms <= 3; terms++) {
            for (boolean inPlace : new boolean[] {false, true}) {
                double a = 1.0 / (0.3 + rng.nextDouble()), b = rng.nextDouble(-2, 2), c = rng.nextDouble(0, 0.5);
                float[] x = random(rng, rows * ld), y = random(rng, rows * ld), z = random(rng, rows * ld);
                x[5] = -0f;
                // values whose widening, products and final rounding are edge cases: NaN, infinities, float
                // subnormals, results that overflow or fall below float range, ties at the float rounding
                float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                        -Float.MIN_NORMAL / 3, Float.MAX_VALUE, -Float.MAX_VALUE, 0x1.000001p0f, 1e-30f, -1e30f};
                for (int i = 0; i < special.length; i++) {
                    x[ld + 1 + i] = special[i];
                    y[2 * ld + 1 + (i * 3) % cols] = special[special.length - 1 - i];
                    z[1 + (i * 7) % cols] = special[(i + 4) % special.length];
                }
                Tensor xt = rowsOf(be, x, rows, cols, ld), yt = rowsOf(be, y, rows, cols, ld), zt = rowsOf(be, z, rows, cols, ld);
                Tensor out = inPlace ? xt : be.allocate(rows, cols);
                be.combine(a, xt, b, terms >= 2 ? yt : null, c, terms == 3 ? zt : null, out);
                float[] got = new float[rows * cols];
                be.download(out, got, 0);
                for (int r = 0; r < rows; r++) {
                    for (int k = 0; k < cols; k++) {
                        int i = r * ld + 1 + k;
                        double v = a * x[i];
                        if (terms >= 2) v = v + b * y[i];
                        if (terms == 3) v = v + c * z[i];
                        assertEquals(Float.floatToRawIntBits((float) v), Float.floatToRawIntBits(got[r * cols + k]),
                                when + ", " + terms + " terms" + (inPlace ? " in place" : "") + " at (" + r + ", " + k + ")");
                    }
                }
            }
        }
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian() * 3;
        return v;
    }

    /** {@code rows x cols} at column offset 1 of rows of {@code ld} floats. */
    private static Tensor rowsOf(Backend be, float[] data, int rows, int cols, int ld) {
        Tensor all = be.upload(data, rows, ld);
        return all.colRange(1, cols);
    }
}
