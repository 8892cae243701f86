package flowscale.kernels;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), a counter-based
 * generator: the output is a pure function of a 128-bit counter and a 64-bit key, so any element of
 * any stream can be produced independently, in any order, on any thread or device.
 *
 * <p>Bit layout used by flowscale: the 64-bit {@code key} splits into {@code k0} (low 32 bits) and
 * {@code k1} (high 32 bits). A stream is named by three 32-bit words {@code (s0, s1, s2)} which fill
 * counter words 1..3; counter word 0 is the block index {@code i / 4} of the element. One block gives
 * four 32-bit words {@code w0..w3}; elements {@code 4j, 4j+1} are the Box–Muller pair of
 * {@code (w0, w1)}, elements {@code 4j+2, 4j+3} the pair of {@code (w2, w3)}. The transform runs in
 * double with {@link StrictMath}, so a given element is the same float on every JVM and backend.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final double TWO_POW_M32 = 1.0 / 4294967296.0;
    private static final double TWO_PI = 2.0 * Math.PI;

    private Philox() {}

    /**
     * Ten rounds of Philox4x32 on {@code ctr} with key {@code (k0, k1)}; returns the four output words
     * in {@code out} (which may be {@code ctr}).
     */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32), lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
            int n0 = hi1 ^ c1 ^ k0;
            int n2 = hi0 ^ c3 ^ k1;
            c0 = n0;
            c1 = lo1;
            c2 = n2;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /**
     * {@link #block} of the counters {@code c0} and {@code c0 + 1} (the same c1..c3 and key): words 0..3 of the first
     * block and 4..7 of the second into {@code out}. The two blocks' chains of rounds are independent and interleaved,
     * so the core overlaps their multiplications' latencies; the words are those of two {@code block} calls.
     */
    public static void twoBlocks(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        int a0 = c0, a1 = c1, a2 = c2, a3 = c3;
        int b0 = c0 + 1, b1 = c1, b2 = c2, b3 = c3;
        for (int round = 0; round < 10; round++) {
            long pa0 = (M0 & 0xFFFFFFFFL) * (a0 & 0xFFFFFFFFL), pb0 = (M0 & 0xFFFFFFFFL) * (b0 & 0xFFFFFFFFL);
            long pa1 = (M1 & 0xFFFFFFFFL) * (a2 & 0xFFFFFFFFL), pb1 = (M1 & 0xFFFFFFFFL) * (b2 & 0xFFFFFFFFL);
            int na0 = (int) (pa1 >>> 32) ^ a1 ^ k0, nb0 = (int) (pb1 >>> 32) ^ b1 ^ k0;
            int na2 = (int) (pa0 >>> 32) ^ a3 ^ k1, nb2 = (int) (pb0 >>> 32) ^ b3 ^ k1;
            a1 = (int) pa1;
            b1 = (int) pb1;
            a3 = (int) pa0;
            b3 = (int) pb0;
            a0 = na0;
            b0 = nb0;
            a2 = na2;
            b2 = nb2;
            k0 += W0;
            k1 += W1;
        }
        out[0] = a0;
        out[1] = a1;
        out[2] = a2;
        out[3] = a3;
        out[4] = b0;
        out[5] = b1;
        out[6] = b2;
        out[7] = b3;
    }

    /** A uniform in the open interval (0, 1) from a 32-bit word: {@code (w + 0.5) / 2^32}. */
    public static double uniformOpen(int word) {
        return ((word & 0xFFFFFFFFL) + 0.5) * TWO_POW_M32;
    }

    /** Element {@code index} of the normal stream {@code (key; s0, s1, s2)}. */
    public static float normal(long key, int s0, int s1, int s2, long index) {
        int[] w = new int[4];
        block(blockIndex(index), s0, s1, s2, (int) key, (int) (key >>> 32), w);
        int lane = (int) (index & 3);
        return boxMuller(w[lane & 2], w[(lane & 2) + 1], (lane & 1) == 1);
    }

    /**
     * Fills {@code out[offset, offset+length)} with elements {@code first .. first+length-1} of the
     * normal stream {@code (key; s0, s1, s2)}.
     */
    public static void fillNormal(long key, int s0, int s1, int s2, long first, float[] out, int offset, int length) {
        if (length <= 0) return;
        int k0 = (int) key, k1 = (int) (key >>> 32);
        blockIndex(first + length - 1); // range check before anything is written
        int[] w = new int[4];
        long i = first;
        long end = first + length;
        int o = offset;
        while (i < end) {
            block(blockIndex(i), s0, s1, s2, k0, k1, w);
            // both halves of a Box-Muller pair share one radius: compute it once per pair in range
            for (long pair = i & ~1L; pair < ((i | 3L) + 1) && pair < end; pair += 2) {
                int lane = (int) (pair & 3);
                double r = radius(w[lane]);
                double theta = angle(w[lane + 1]);
                if (pair >= i) out[o++] = component(r, theta, false);
                if (pair + 1 < end) out[o++] = component(r, theta, true);
            }
            i = (i | 3L) + 1;
        }
    }

    /** Element {@code index} of the uniform (0,1) stream: word {@code index % 4} of block {@code index / 4}. */
    public static double uniform(long key, int s0, int s1, int s2, long index) {
        int[] w = new int[4];
        block(blockIndex(index), s0, s1, s2, (int) key, (int) (key >>> 32), w);
        return uniformOpen(w[(int) (index & 3)]);
    }

    static int blockIndex(long index) {
        if (index < 0 || (index >>> 2) > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("stream index " + index + " outside [0, 2^34)");
        }
        return (int) (index >>> 2);
    }

    private static double radius(int a) {
        return StrictMath.sqrt(-2.0 * StrictMath.log(uniformOpen(a)));
    }

    private static double angle(int b) {
        return TWO_PI * uniformOpen(b);
    }

    /** Element 2k (cosine) or 2k+1 (sine) of a Box-Muller pair with radius r and angle theta. */
    private static float component(double r, double theta, boolean sine) {
        return (float) (r * (sine ? StrictMath.sin(theta) : StrictMath.cos(theta)));
    }

    private static float boxMuller(int a, int b, boolean sine) {
        return component(radius(a), angle(b), sine);
    }
}
