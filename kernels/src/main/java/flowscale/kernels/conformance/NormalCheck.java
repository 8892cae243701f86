package flowscale.kernels.conformance;

import java.util.List;

/**
 * normal: element i of the output is {@code Philox.normal(key, s0, s1, s2, i)} bit for bit. Sizes that
 * end inside a Philox block (1, 2, 3, 5 ...) and views at unaligned offsets, with random keys and streams.
 */
final class NormalCheck {
    private NormalCheck() {}

    static List<OpCheck> all() {
        return List.of(new OpCheck("normal", Tolerances.NORMAL, NormalCheck::normal));
    }

    private static final int[] SIZES = {1, 2, 3, 4, 5, 7, 17, 33, 129, 1000, 4099};
    private static final int[] SIZES_QUICK = {1, 3, 5, 33, 4099};

    private static void normal(Harness h) {
        for (int n : h.quick ? SIZES_QUICK : SIZES) {
            long key = h.random.nextLong();
            int s0 = h.random.nextInt(), s1 = h.random.nextInt(), s2 = h.random.nextInt();
            Pair out = h.flat(n, -1, 1);
            String label = "n=" + n + " key=" + Long.toHexString(key) + " stream=(" + s0 + ", " + s1 + ", " + s2 + "), "
                    + out.layout();
            h.check(label, b -> b.normal(key, s0, s1, s2, out.on(b)), out);
        }
    }
}
