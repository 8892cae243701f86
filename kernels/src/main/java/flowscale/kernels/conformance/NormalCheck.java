package flowscale.kernels.conformance;

import flowscale.kernels.NoiseScheme;

import java.util.List;

/**
 * normal: element i of the output is {@code Philox.normal(key, s0, s1, s2, i)} bit for bit, and under
 * {@code quantile-v2} {@code NormalQuantile.normal(key, s0, s1, s2, i)} bit for bit. Sizes that end inside a Philox
 * block (1, 2, 3, 5 ...), inside a vector, past the cpu backend's 4096-float buffer, and views at unaligned
 * offsets, with random keys and streams.
 */
final class NormalCheck {
    private NormalCheck() {}

    static List<OpCheck> all() {
        return List.of(new OpCheck("normal", Tolerances.NORMAL, NormalCheck::normal),
                new OpCheck("normal quantile-v2", Tolerances.NORMAL, h -> normal(h, NoiseScheme.QUANTILE_V2)));
    }

    private static final int[] SIZES = {1, 2, 3, 4, 5, 7, 17, 33, 129, 1000, 4099, 3 * 4096 + 5};
    private static final int[] SIZES_QUICK = {1, 3, 5, 33, 4099};

    private static void normal(Harness h) {
        normal(h, NoiseScheme.BOX_MULLER_V1);
    }

    private static void normal(Harness h, NoiseScheme scheme) {
        for (int n : h.quick ? SIZES_QUICK : SIZES) {
            long key = h.random.nextLong();
            int s0 = h.random.nextInt(), s1 = h.random.nextInt(), s2 = h.random.nextInt();
            Pair out = h.flat(n, -1, 1);
            String label = "n=" + n + " key=" + Long.toHexString(key) + " stream=(" + s0 + ", " + s1 + ", " + s2 + "), "
                    + out.layout();
            if (scheme == NoiseScheme.BOX_MULLER_V1) {
                h.check(label, b -> b.normal(key, s0, s1, s2, out.on(b)), out);
            } else {
                h.check(scheme.id() + " " + label, b -> b.normal(scheme, key, s0, s1, s2, out.on(b)), out);
            }
        }
    }
}
