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
     * {@link #block} of the {@code n} counters {@code c0, c0 + 1, ..., c0 + n - 1} (32-bit, wrapping; the same c1..c3 and
     * key): block i's words into {@code w0[i], w1[i], w2[i], w3[i]}. Each round is one pass over the n blocks, written
     * as plain array loops of 32 x 32 -&gt; 64-bit products, which C2 turns into vector code by itself (about 0.6 ns a
     * word on this project's machine, in a loop of fills of 3,072); before C2 they run as ordinary scalar loops, so
     * there is no slow cold path. The words are those of n {@code block} calls.
     */
    public static void blocks(int c0, int c1, int c2, int c3, int k0, int k1, int[] w0, int[] w1, int[] w2, int[] w3, int n) {
        for (int i = 0; i < n; i++) {
            w0[i] = c0 + i;
            w1[i] = c1;
            w2[i] = c2;
            w3[i] = c3;
        }
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < n; i++) {
                long p0 = (M0 & 0xFFFFFFFFL) * (w0[i] & 0xFFFFFFFFL);
                long p1 = (M1 & 0xFFFFFFFFL) * (w2[i] & 0xFFFFFFFFL);
                int n0 = (int) (p1 >>> 32) ^ w1[i] ^ k0;
                int n2 = (int) (p0 >>> 32) ^ w3[i] ^ k1;
                w1[i] = (int) p1;
                w3[i] = (int) p0;
                w0[i] = n0;
                w2[i] = n2;
            }
            k0 += W0;
            k1 += W1;
        }
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
