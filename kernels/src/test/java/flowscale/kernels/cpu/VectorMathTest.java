package flowscale.kernels.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static flowscale.kernels.cpu.Simd.L;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link VectorMath}: exp against {@code Math.exp} in double over a strided sweep of every float bit
 * pattern in the interesting range plus dense windows at the boundaries, the vector and scalar paths
 * bit-identical on every input, and the lane sum in its fixed order.
 */
class VectorMathTest {
    /**
     * Largest error allowed, in ulps of the exact result. Measured over all 2.24e9 floats in [-105, 89.5]:
     * 0.875 ulp at most (faithful rounding; 0.8% of results are not the correctly rounded float).
     */
    private static final double MAX_ULPS = 0.9;
    /** Every STRIDE-th float bit pattern of the sweep; odd, so every low mantissa bit is exercised. */
    private static final int STRIDE = 101;

    /** Worst error seen, with its argument, for the failure message. */
    private double worst;
    private float worstAt;

    @Test
    void expIsFaithfulAndVectorEqualsScalar() {
        // positive arguments up past overflow, negative ones down past underflow to zero
        sweep(0, Float.floatToRawIntBits(89.5f), STRIDE);
        sweep(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(-105f), STRIDE);
        // every float near the points where the reduction, the result's range or its exponent changes
        sweep(Float.floatToRawIntBits(0f), 1 << 16, 1);
        sweep(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(-0f) + (1 << 16), 1);
        for (float at : new float[] {1f, -1f, 0.3465736f, -0.3465736f, 10f, -10f,
                88.72283f, -87.33655f, -103.97208f, -103.27893f}) {
            int b = Float.floatToRawIntBits(at);
            sweep(b - (1 << 15), b + (1 << 15), 1);
        }
        assertTrue(worst <= MAX_ULPS, "exp error " + worst + " ulp at x = " + worstAt);
    }

    @Test
    void expEdgeCases() {
        assertExp(Float.NEGATIVE_INFINITY, 0f);
        assertExp(-Float.MAX_VALUE, 0f);
        assertExp(-1000f, 0f);
        assertExp(-104f, 0f);
        assertExp(Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY);
        assertExp(Float.MAX_VALUE, Float.POSITIVE_INFINITY);
        assertExp(88.72284f, Float.POSITIVE_INFINITY); // first float whose exp overflows
        assertExp(0f, 1f);
        assertExp(-0f, 1f);
        assertExp(Float.MIN_VALUE, 1f);
        assertExp(-Float.MIN_VALUE, 1f);
        assertExp(1e-30f, 1f);
        assertTrue(Float.isFinite(VectorMath.exp(88.72283f)) && Float.isFinite(vectorExp(88.72283f)), "last float whose exp is finite");
        assertEquals(Float.MIN_VALUE, VectorMath.exp(-103.2789f), 0f, "smallest subnormal result");
        for (int nanBits : new int[] {0x7fc00000, 0xffc00000, 0x7f800001, 0x7fa5a5a5}) {
            float nan = Float.intBitsToFloat(nanBits);
            assertTrue(Float.isNaN(VectorMath.exp(nan)), "scalar exp(NaN)");
            assertTrue(Float.isNaN(vectorExp(nan)), "vector exp(NaN)");
            // the vector loop computes exp(a - shift); a - 0 quiets a signalling NaN, as the tail's a - shift does
            assertEquals(Float.floatToRawIntBits(VectorMath.exp(nan - 0f)), Float.floatToRawIntBits(vectorExp(nan)), "NaN bits");
        }
    }

    @Test
    void shiftedExpOfAnyLengthEqualsScalarExpOfTheDifference() {
        Random rnd = new Random(5);
        for (int n : new int[] {0, 1, L - 1, L, L + 1, 3 * L + 5}) {
            float shift = rnd.nextFloat() * 20f - 10f;
            float[] a = new float[n + 7];
            for (int i = 0; i < a.length; i++) a[i] = rnd.nextFloat() * 60f - 30f;
            float[] want = a.clone();
            for (int i = 3; i < 3 + n; i++) want[i] = VectorMath.exp(a[i] - shift);
            VectorMath.exp(a, 3, n, shift);
            for (int i = 0; i < a.length; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(a[i]), "n " + n + ", element " + i);
            }
        }
    }

    /** The attention's batched rows: each row's exponentials and sum bit for bit those of exp then sum. */
    @Test
    void expRowsEqualsExpThenSumPerRow() {
        Random rnd = new Random(11);
        int stride = 4 * L + 3;
        for (int trial = 0; trial < 2_000; trial++) {
            int rows = 1 + rnd.nextInt(8), n = L * rnd.nextInt(5), from = rnd.nextInt(4);
            float[] a = new float[from + rows * stride];
            for (int i = 0; i < a.length; i++) {
                a[i] = (rnd.nextFloat() - 0.5f) * (float) Math.pow(10, rnd.nextInt(3));
                if (rnd.nextInt(9) == 0) a[i] = Float.NEGATIVE_INFINITY; // masked keys
            }
            if (trial % 100 == 0) a[from] = Float.NaN;
            float[] shift = new float[rows];
            for (int r = 0; r < rows; r++) shift[r] = rnd.nextFloat() * 4f - 2f;
            float[] want = a.clone(), wantSums = new float[rows];
            for (int r = 0; r < rows; r++) {
                VectorMath.exp(want, from + r * stride, n, shift[r]);
                wantSums[r] = VectorMath.sum(want, from + r * stride, n);
            }
            float[] sums = new float[rows];
            VectorMath.expRows(a, from, rows, stride, n, shift, sums, new float[rows * L]);
            for (int i = 0; i < a.length; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(a[i]), "trial " + trial + ", element " + i);
            }
            for (int r = 0; r < rows; r++) {
                assertEquals(Float.floatToRawIntBits(wantSums[r]), Float.floatToRawIntBits(sums[r]), "trial " + trial + ", row " + r);
            }
        }
    }

    @Test
    void sumAddsInOneFixedOrder() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 20_000; trial++) {
            int n = rnd.nextInt(5 * L), from = rnd.nextInt(3);
            float[] a = new float[from + n];
            // wide dynamic range so that a different association order would change the bits
            for (int i = 0; i < a.length; i++) a[i] = (rnd.nextFloat() - 0.5f) * (float) Math.pow(10, rnd.nextInt(8));
            float got = VectorMath.sum(a, from, n), want = fixedOrderSum(a, from, n);
            if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(want)) {
                fail("sum of " + java.util.Arrays.toString(a) + " from " + from + " = " + got + ", the fixed order gives " + want);
            }
        }
        float[] a = new float[3 * L + 2];
        java.util.Arrays.fill(a, 1.5f);
        assertEquals(1.5f * a.length, VectorMath.sum(a, 0, a.length));
        a[L + 1] = Float.NaN;
        assertTrue(Float.isNaN(VectorMath.sum(a, 0, a.length)), "NaN element");
    }

    /**
     * The order {@link VectorMath#sum} promises, on scalars: lane l accumulates elements l, l + L, ... of the
     * whole vectors; then lane i += lane i + h for h = L/2, ..., 1; then the tail in index order.
     */
    private static float fixedOrderSum(float[] a, int from, int n) {
        float[] lanes = new float[L];
        int whole = n / L * L;
        for (int i = 0; i < whole; i++) lanes[i % L] += a[from + i];
        for (int h = L / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) lanes[i] += lanes[i + h];
        }
        float s = lanes[0];
        for (int i = whole; i < n; i++) s += a[from + i];
        return s;
    }

    /**
     * Bit patterns from {@code from} towards {@code to} (either direction) in steps of {@code step}: the
     * vector path must equal the scalar path bit for bit, and both be within {@link #MAX_ULPS} of exp.
     */
    private void sweep(int from, int to, int step) {
        int dir = to >= from ? 1 : -1;
        long count = (Math.abs((long) to - from) / step) + 1;
        float[] xs = new float[1024], ys = new float[1024];
        long done = 0;
        while (done < count) {
            int n = (int) Math.min(xs.length, count - done);
            n = Math.max(L, n / L * L); // whole vectors; a short last batch repeats its first values
            for (int i = 0; i < n; i++) {
                long k = Math.min(done + i, count - 1);
                xs[i] = Float.intBitsToFloat((int) (from + dir * k * step));
            }
            System.arraycopy(xs, 0, ys, 0, n);
            VectorMath.exp(ys, 0, n, 0f); // n is whole vectors: every element takes the vector path
            for (int i = 0; i < n; i++) check(xs[i], ys[i]);
            done += n;
        }
    }

    private void check(float x, float vector) {
        float scalar = VectorMath.exp(x);
        if (Float.floatToRawIntBits(scalar) != Float.floatToRawIntBits(vector)) {
            fail("exp(" + x + "): vector " + vector + " != scalar " + scalar);
        }
        double ulps = ulpError(vector, Math.exp(x));
        if (ulps > worst) {
            worst = ulps;
            worstAt = x;
        }
    }

    /** |got - exact| in ulps of the exact result's binade (subnormal ulp below the normal range); infinite if the overflow differs. */
    private static double ulpError(float got, double exact) {
        float rounded = (float) exact;
        if (Float.isInfinite(rounded) || Float.isInfinite(got)) return rounded == got ? 0 : Double.POSITIVE_INFINITY;
        float below = rounded > exact ? Math.nextDown(rounded) : rounded;
        return Math.abs(got - exact) / Math.ulp(below);
    }

    private static float vectorExp(float x) {
        float[] a = new float[L];
        java.util.Arrays.fill(a, x);
        VectorMath.exp(a, 0, L, 0f);
        return a[0];
    }

    private static void assertExp(float x, float want) {
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(VectorMath.exp(x)), "scalar exp(" + x + ")");
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(vectorExp(x)), "vector exp(" + x + ")");
    }
}
