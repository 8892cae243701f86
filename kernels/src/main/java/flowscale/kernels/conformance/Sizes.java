package flowscale.kernels.conformance;

/**
 * Sizes the suite sweeps. Around every power of two that a vector width or an unrolled loop could use
 * (4, 8, 16, 32, 64, 128 floats) it tries one below and one above, so full vectors, partial tails and the
 * degenerate size 1 are all met.
 */
final class Sizes {
    private Sizes() {}

    private static final int[] TAILS = {1, 3, 7, 15, 17, 31, 33, 63, 65, 127, 129};
    private static final int[] TAILS_QUICK = {1, 7, 17, 33, 129};

    /** Vector-tail sizes. */
    static int[] tails(boolean quick) {
        return (quick ? TAILS_QUICK : TAILS).clone();
    }

    /** Element counts for element-wise ops: the tails plus sizes spanning many vectors and a ragged end. */
    static int[] elementCounts(boolean quick) {
        int[] t = tails(quick);
        int[] out = java.util.Arrays.copyOf(t, t.length + 2);
        out[t.length] = 1000;
        out[t.length + 1] = quick ? 4099 : 65537;
        return out;
    }
}
