package flowscale.kernels;

/**
 * The {@code quantile-v2} normal transform: one 32-bit Philox word to one standard normal through a
 * piecewise-cubic approximation of the inverse normal CDF, using only operations that IEEE 754 rounds
 * exactly (integer and bit operations, one float subtraction that is exact, three float fma), so that Java,
 * the Vector API and OpenCL C give the same float bit for bit. It replaces Box–Muller's StrictMath
 * log/sqrt/sin/cos, whose correctly rounded results no SIMD unit or GPU reproduces cheaply.
 *
 * <p>Definition, for a word {@code w} (all shifts on 32-bit words):
 * <pre>
 *   y     = (w &lt;&lt; 1) | 1                   odd; the tail probability is p = y / 2^33 in (0, 1/2), from w's low 31 bits
 *   b     = leading zeros of y (0..31)        binade: p in [2^-(b+2), 2^-(b+1))
 *   n     = y &lt;&lt; b                        leading one at bit 31
 *   m     = float with bits 0x3F800000 | (n &gt;&gt;&gt; 8 &amp; 0x7FFFFF)   p / 2^-(b+2) in [1, 2), n's next 23 bits
 *   s     = n &gt;&gt;&gt; 27 &amp; 15                   piece of the binade: m in [1 + s/16, 1 + (s+1)/16)
 *   t     = m - (1 + (2s+1)/32)               exact (Sterbenz), |t| &lt;= 1/32
 *   k     = 16 b + s                          one of 512 pieces
 *   q     = fma(fma(fma(C3[k], t, C2[k]), t, C1[k]), t, C0[k])     ~ the upper quantile: P(Z &gt; q) = p
 *   x     = q with its sign bit XOR-ed with NOT w's top bit        w's top bit 1: +q, 0: -q
 * </pre>
 * The coefficients {@code Cj[k] = NormalQuantileTable.C[j * 512 + k]} are committed floats, part of the
 * definition. The map is exactly symmetric (the sign is w's top bit) and, below 24 significant bits of
 * {@code y} (binades b &gt;= 8), uses every bit of the word; above, it reads the top 24 bits of {@code y}
 * (p resolved to 2^-24 of itself). The largest output is {@code q(2^-33) = 6.34}: normals beyond 6.34
 * sigma (probability 2.3e-10) are not produced, as Box–Muller on 32-bit uniforms stops at 6.76 (radius of u = 2^-33).
 *
 * <p>Accuracy against the exact quantile of the {@code p} the word encodes (measured by
 * {@code NormalQuantileTest} against a double-precision quantile on every piece): at most 1.1 float ulp of the
 * result where |x| &gt;= 0.5, and at most 4.4e-8 absolute below (where the float rounding of {@code C0}, ~3e-8,
 * dominates). Statistically the transform is the exact inverse CDF up to those rounding errors.
 */
public final class NormalQuantile {
    /** Degree of the polynomial on each piece. */
    static final int DEGREE = 3;
    /** Pieces per binade of p: the 4 bits below the leading one. */
    static final int PIECES_PER_BINADE = 16;
    static final int BINADES = 32;
    /** Number of pieces, and the stride between one coefficient's entries in {@link NormalQuantileTable#C}. */
    public static final int PIECES = BINADES * PIECES_PER_BINADE;
    /** Half the width of a piece in m. */
    static final double HALF_WIDTH = 1.0 / 32;

    private static final float[] C = NormalQuantileTable.C;

    private NormalQuantile() {}

    /** The coefficient table (a copy), coefficient-major: entry {@code j * PIECES + k} multiplies {@code t^j} on piece k. */
    public static float[] table() {
        return C.clone();
    }

    /** Centre of piece {@code s} of a binade, in m. */
    static double centre(int s) {
        return 1 + (2 * s + 1) * HALF_WIDTH;
    }

    /** The standard normal that word {@code w} encodes. */
    public static float of(int w) {
        int y = (w << 1) | 1;
        int b = Integer.numberOfLeadingZeros(y);
        int n = y << b;
        int mBits = 0x3F800000 | ((n >>> 8) & 0x7FFFFF);
        // the centre has m's top 4 fraction bits and then a one (1/32): mBits with bits 0..18 cleared, bit 18 set
        float t = Float.intBitsToFloat(mBits) - Float.intBitsToFloat((mBits & 0xFFF80000) | 0x40000);
        int k = (b << 4) | ((n >>> 27) & 15);
        float q = Math.fma(Math.fma(Math.fma(C[3 * PIECES + k], t, C[2 * PIECES + k]), t, C[PIECES + k]), t, C[k]);
        return Float.intBitsToFloat(Float.floatToRawIntBits(q) ^ (~w & 0x80000000));
    }

    /** Element {@code index} of the stream {@code (key; s0, s1, s2)}: word {@code index % 4} of block {@code index / 4}. */
    public static float normal(long key, int s0, int s1, int s2, long index) {
        int[] w = new int[4];
        Philox.block(Philox.blockIndex(index), s0, s1, s2, (int) key, (int) (key >>> 32), w);
        return of(w[(int) (index & 3)]);
    }

    /**
     * Fills {@code out[offset, offset+length)} with elements {@code first .. first+length-1} of the stream
     * {@code (key; s0, s1, s2)}.
     */
    public static void fill(long key, int s0, int s1, int s2, long first, float[] out, int offset, int length) {
        if (length <= 0) return;
        Philox.blockIndex(first + length - 1); // range check before anything is written
        int k0 = (int) key, k1 = (int) (key >>> 32);
        int[] w = new int[8];
        long i = first;
        long end = first + length;
        int o = offset;
        while (i < end) {
            int lane = (int) (i & 3);
            int block = Philox.blockIndex(i);
            if (lane == 0 && end - i >= 8) { // two whole blocks: counters block and block + 1
                Philox.twoBlocks(block, s0, s1, s2, k0, k1, w);
                for (int l = 0; l < 8; l++) out[o++] = of(w[l]);
                i += 8;
                continue;
            }
            Philox.block(block, s0, s1, s2, k0, k1, w);
            int stop = (int) Math.min(4, lane + (end - i));
            for (int l = lane; l < stop; l++) out[o++] = of(w[l]);
            i += stop - lane;
        }
    }
}
