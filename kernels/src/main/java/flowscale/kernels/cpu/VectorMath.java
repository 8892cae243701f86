package flowscale.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.L;

/**
 * Bit-reproducible vector math for the cpu kernels: {@code exp} and sums, built only from operations that
 * IEEE 754 rounds exactly (add, mul, fma, compare, integer bit moves).
 *
 * <p>Why not {@code lanewise(EXP)} and {@code reduceLanes(ADD)}: their results depend on who runs them.
 * The interpreter and C1 use Java fallbacks (a per-lane {@code Math.exp}, a sequential lane sum) while
 * C2 calls a vector math library and reduces in a tree, so the same input gives different last bits
 * before and after the JIT has warmed up, and two model instances in one JVM can disagree. Every
 * operation used here rounds the same way in every execution mode, so results are a pure function of
 * the input.
 *
 * <p>The functions take arrays, never vectors. A vector passed to or returned from a method that C2 does
 * not inline is boxed on the heap, and C2 stops inlining ordinary methods into a caller once that caller
 * has grown large (the Vector API's own methods are exempt). A kernel that calls these functions
 * therefore stays allocation-free whether or not they are inlined; kernels stage the arguments of an
 * exponential in a small per-chunk array, and fold a vector accumulator by storing it to one.
 *
 * <p>The vector loops' tails use the scalar {@link #exp(float)}, which does the same operations in the
 * same order, so an element gets the same bits whether it falls in a vector or in the tail.
 */
final class VectorMath {
    private VectorMath() {}

    /** {@code fma(x, LOG2E, ROUND)} rounds {@code x / ln 2} to the nearest integer k: floats near 1.5 * 2^23 have unit ulp. */
    private static final float LOG2E = 0x1.715476p0f;
    private static final float ROUND = 0x1.8p23f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /**
     * ln 2 split Cody-Waite style: LN2_HI has 9 significant bits, so {@code k * LN2_HI} is exact for
     * |k| <= 150 and {@code x - k * LN2_HI} is exact; LN2_LO = ln 2 - LN2_HI carries the rest.
     */
    private static final float LN2_HI = 0x1.63p-1f;
    private static final float LN2_LO = (float) (0.6931471805599453 - 0x1.63p-1);
    /**
     * Clamps: exp(x) rounds to 0 below ln(2^-150) = -103.97 and overflows above ln(MAX_VALUE) = 88.72;
     * with x in [LO, HI] the exponent k stays in [-150, 128], which two normal powers of two cover.
     */
    private static final float LO = -104f;
    private static final float HI = 89f;
    /**
     * q(r) ~ (e^r - 1 - r) / r^2 on |r| <= 0.35, a degree-4 polynomial fitted (weighted least squares
     * iterated to equal ripple) to minimise the relative error of 1 + r + r^2 q(r); with the
     * coefficients rounded to float its error is 4.7e-9 relative, 0.04 ulp at 1.
     */
    private static final float C2 = 0x1.fffffcp-2f;
    private static final float C3 = 0x1.55548ap-3f;
    private static final float C4 = 0x1.555916p-5f;
    private static final float C5 = 0x1.123fc6p-7f;
    private static final float C6 = 0x1.6a1a72p-10f;

    /**
     * {@code a[i] = e^(a[i] - shift)} for i in {@code [from, from + n)}: at most 0.875 ulp from the exact
     * value over all floats (so always one of the two floats around it; {@code VectorMathTest}); e^-inf = 0,
     * +inf once the result overflows, subnormal results rounded once, NaN arguments returned unchanged.
     */
    static void exp(float[] a, int from, int n, float shift) {
        int i = F.loopBound(n);
        expVectors(a, from, i, shift, null, 0);
        for (; i < n; i++) a[from + i] = exp(a[from + i] - shift);
    }

    /**
     * For rows {@code r < rows} of {@code a} (row r starts at {@code from + r * stride}): the first {@code n}
     * elements (a whole number of vectors) replaced by {@code e^(a - shift[r])}, and {@code sums[r]} set to their
     * sum with the bits {@link #sum(float[], int, int)} gives. The rows' exponentials are independent chains
     * with no reduction between them (each row's lane sums are parked in {@code fold}, {@code rows * L} floats,
     * and folded at the end), so the core overlaps the rows' latencies instead of waiting out each row's.
     */
    static void expRows(float[] a, int from, int rows, int stride, int n, float[] shift, float[] sums, float[] fold) {
        for (int r = 0; r < rows; r++) expVectors(a, from + r * stride, n, shift[r], fold, r * L);
        for (int r = 0; r < rows; r++) sums[r] = sum(fold, r * L, L);
    }

    /**
     * The vector body of the exponential: {@code a[from + i] = e^(a[from + i] - shift)} for i < n, n a multiple
     * of {@code L}; when {@code acc} is not null its lanes {@code [accAt, accAt + L)} receive the lane-wise sums
     * of the results in order (0 + first vector + second vector ...), which {@code sum} then folds. It takes
     * and returns arrays only, so nothing is boxed whether or not C2 inlines it (see the class comment).
     */
    private static void expVectors(float[] a, int from, int n, float shift, float[] acc, int accAt) {
        FloatVector lanes = FloatVector.zero(F);
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(F, a, from + i).sub(shift);
            FloatVector xc = x.blend(LO, x.compare(VectorOperators.LT, LO)); // NaN compares false: handled last
            xc = xc.blend(HI, xc.compare(VectorOperators.GT, HI));
            FloatVector t = xc.fma(LOG2E, ROUND);
            FloatVector k = t.sub(ROUND);
            FloatVector rHi = k.fma(FloatVector.broadcast(F, -LN2_HI), xc); // exact
            FloatVector c = k.mul(-LN2_LO);
            FloatVector r = rHi.add(c);
            FloatVector rErr = c.sub(r.sub(rHi)); // what rounding r lost (Fast2Sum; exact when |rHi| >= |c|)
            FloatVector q = r.fma(C6, C5);
            q = q.fma(r, FloatVector.broadcast(F, C4));
            q = q.fma(r, FloatVector.broadcast(F, C3));
            q = q.fma(r, FloatVector.broadcast(F, C2));
            FloatVector p = r.add(q.fma(r.mul(r), rErr)).add(1f);
            // 2^k as two factors 2^(k>>1) and 2^(k-(k>>1)): both normal over the whole range, so p * 2^(k>>1)
            // is exact and the one rounding happens in the second product (overflow to inf, subnormals).
            IntVector ki = t.reinterpretAsInts().sub(ROUND_BITS);
            IntVector half = ki.lanewise(VectorOperators.ASHR, 1);
            FloatVector s1 = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = ki.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = p.mul(s1).mul(s2).blend(x, x.compare(VectorOperators.NE, x));
            e.intoArray(a, from + i);
            lanes = lanes.add(e);
        }
        if (acc != null) lanes.intoArray(acc, accAt);
    }

    /** e^x: the operations of the vector loop of {@link #exp(float[], int, int, float)} in the same order, so the same bits. */
    static float exp(float x) {
        float xc = x < LO ? LO : x;
        xc = xc > HI ? HI : xc;
        float t = Math.fma(xc, LOG2E, ROUND);
        float k = t - ROUND;
        float rHi = Math.fma(k, -LN2_HI, xc);
        float c = k * -LN2_LO;
        float r = rHi + c;
        float rErr = c - (r - rHi);
        float q = Math.fma(r, C6, C5);
        q = Math.fma(q, r, C4);
        q = Math.fma(q, r, C3);
        q = Math.fma(q, r, C2);
        float p = r + Math.fma(q, r * r, rErr) + 1f;
        int ki = Float.floatToRawIntBits(t) - ROUND_BITS;
        int half = ki >> 1;
        float s1 = Float.intBitsToFloat((half + 127) << 23);
        float s2 = Float.intBitsToFloat((ki - half + 127) << 23);
        float e = p * s1 * s2;
        return x != x ? x : e;
    }

    /**
     * Lane i + h for every lane i (wrapping): adding a vector to its rotation by h = L/2, L/4, ..., 1 folds
     * its upper half onto its lower half. Rotations by h >= L are never used. 32 covers the largest
     * float species the Vector API has (2048 bits, 64 lanes).
     */
    private static final VectorShuffle<Float> ROTATE_32 = VectorShuffle.iota(F, 32, 1, true);
    private static final VectorShuffle<Float> ROTATE_16 = VectorShuffle.iota(F, 16, 1, true);
    private static final VectorShuffle<Float> ROTATE_8 = VectorShuffle.iota(F, 8, 1, true);
    private static final VectorShuffle<Float> ROTATE_4 = VectorShuffle.iota(F, 4, 1, true);
    private static final VectorShuffle<Float> ROTATE_2 = VectorShuffle.iota(F, 2, 1, true);
    private static final VectorShuffle<Float> ROTATE_1 = VectorShuffle.iota(F, 1, 1, true);

    /**
     * {@code a[from] + ... + a[from + n - 1]} in one fixed order, whichever compiler runs it: whole vectors
     * summed lane-wise into one accumulator, its lanes folded pairwise (halves, then quarters, ...: lane 0
     * ends with the total), then the tail added in index order. The tests on {@code L} are constants to C2,
     * so only the needed folds remain. For a vector accumulator: store it to a scratch array of {@code L}
     * floats and sum that (adding it to the zero accumulator changes no value, so only the fold happens).
     */
    static float sum(float[] a, int from, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) acc = acc.add(FloatVector.fromArray(F, a, from + i));
        if (L >= 64) acc = acc.add(acc.rearrange(ROTATE_32));
        if (L >= 32) acc = acc.add(acc.rearrange(ROTATE_16));
        if (L >= 16) acc = acc.add(acc.rearrange(ROTATE_8));
        if (L >= 8) acc = acc.add(acc.rearrange(ROTATE_4));
        if (L >= 4) acc = acc.add(acc.rearrange(ROTATE_2));
        if (L >= 2) acc = acc.add(acc.rearrange(ROTATE_1));
        float s = acc.lane(0);
        for (; i < n; i++) s += a[from + i];
        return s;
    }
}
