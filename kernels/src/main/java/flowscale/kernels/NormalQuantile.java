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

    /** Blocks per pass of {@link #fill}: its four word arrays are 4 KB. */
    private static final int PASS_BLOCKS = 256;
    /**
     * Each thread's four word arrays for {@link #fill}. Kept, not allocated per call: with the arrays allocated in the
     * same compiled code C2 left the round loops scalar (a fill of 3,072 took 17-25 µs instead of 9 on this project's
     * machine).
     */
    private static final ThreadLocal<int[][]> WORDS = ThreadLocal.withInitial(() -> new int[4][PASS_BLOCKS]);

    /**
     * Fills {@code out[offset, offset+length)} with elements {@code first .. first+length-1} of the stream
     * {@code (key; s0, s1, s2)}: the covering Philox blocks a pass of up to {@value #PASS_BLOCKS} at a time
     * ({@link Philox#blocks}, vectorised by C2), then {@link #of} of each word in element order.
     */
    public static void fill(long key, int s0, int s1, int s2, long first, float[] out, int offset, int length) {
        if (length <= 0) return;
        Philox.blockIndex(first + length - 1); // range check before anything is written
        java.util.Objects.checkFromIndexSize(offset, length, out.length);
        int k0 = (int) key, k1 = (int) (key >>> 32);
        int block = Philox.blockIndex(first);
        int lead = (int) (first & 3); // words of the first block before element `first`
        int blocks = (lead + length + 3) >>> 2;
        int cap = Math.min(blocks, PASS_BLOCKS);
        int[][] words = WORDS.get();
        int[] w0 = words[0], w1 = words[1], w2 = words[2], w3 = words[3];
        int o = offset;
        for (int done = 0; done < blocks; done += cap) {
            int nb = Math.min(cap, blocks - done);
            Philox.blocks(block + done, s0, s1, s2, k0, k1, w0, w1, w2, w3, nb);
            // this pass's words are elements first - lead + 4 * done + [0, 4 nb); keep those in [first, first + length)
            int lo = Math.max(lead - 4 * done, 0), hi = Math.min(lead + length - 4 * done, 4 * nb);
            int i = lo >>> 2;
            int wholeEnd = hi >>> 2;
            if ((lo & 3) != 0 || i == wholeEnd) { // a cut block at the start, or the whole range inside one block
                for (int l = lo & 3, stop = Math.min(4, hi - 4 * i); l < stop; l++) out[o++] = of(word(w0, w1, w2, w3, i, l));
                i++;
            }
            for (; i < wholeEnd; i++) {
                out[o] = of(w0[i]);
                out[o + 1] = of(w1[i]);
                out[o + 2] = of(w2[i]);
                out[o + 3] = of(w3[i]);
                o += 4;
            }
            if (i == wholeEnd && (hi & 3) != 0 && 4 * i < hi) { // a cut block at the end
                for (int l = 0, stop = hi - 4 * i; l < stop; l++) out[o++] = of(word(w0, w1, w2, w3, i, l));
            }
        }
    }

    private static int word(int[] w0, int[] w1, int[] w2, int[] w3, int i, int l) {
        return switch (l) {
            case 0 -> w0[i];
            case 1 -> w1[i];
            case 2 -> w2[i];
            default -> w3[i];
        };
    }
}
