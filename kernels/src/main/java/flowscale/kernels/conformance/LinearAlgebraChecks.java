package flowscale.kernels.conformance;

import flowscale.kernels.PackedWeight;

import java.util.ArrayList;
import java.util.List;

/** linear (through pack) and gemm: tail sizes in every dimension, all transposes, alpha/beta, DiT shapes. */
final class LinearAlgebraChecks {
    private LinearAlgebraChecks() {}

    /** DiT-small widths: hidden 256, 64 image tokens per item, MLP ratio 4, adaLN 6x, 2x2x4 patches out. */
    private static final int HIDDEN = 256, TOKENS = 64;

    static List<OpCheck> all() {
        return List.of(
                new OpCheck("linear", Tolerances.GEMM, LinearAlgebraChecks::linear),
                new OpCheck("gemm", Tolerances.GEMM, LinearAlgebraChecks::gemm));
    }

    /** (rows, in, out) triples. */
    private static List<int[]> linearShapes(boolean quick) {
        List<int[]> s = new ArrayList<>();
        int[] t = Sizes.tails(quick);
        // Walk the tails in three staggered sequences so every dimension meets every tail size.
        for (int i = 0; i < t.length; i++) {
            s.add(new int[] {t[i], t[(i + 3) % t.length], t[(i + 5) % t.length]});
        }
        int[] batches = quick ? new int[] {1} : new int[] {1, 3};
        for (int b : batches) {
            s.add(new int[] {b * TOKENS, HIDDEN, 3 * HIDDEN});   // qkv
            s.add(new int[] {b * TOKENS, HIDDEN, HIDDEN});       // attention output projection
            s.add(new int[] {b * TOKENS, HIDDEN, 4 * HIDDEN});   // MLP fc1
            s.add(new int[] {b * TOKENS, 4 * HIDDEN, HIDDEN});   // MLP fc2 (K = 1024)
            s.add(new int[] {b, HIDDEN, 6 * HIDDEN});            // adaLN modulation
            s.add(new int[] {b * TOKENS, HIDDEN, 16});           // final layer to 2x2x4 patches
        }
        return s;
    }

    private static void linear(Harness h) {
        int i = 0;
        for (int[] s : linearShapes(h.quick)) {
            int m = s[0], k = s[1], n = s[2];
            Pair x = h.matrix(m, k);
            Pair w = h.matrix(n, k, -0.5, 0.5);
            Pair bias = i % 2 == 0 ? h.flat(n, -1, 1) : null;
            Pair out = h.matrix(m, n);
            String label = "x " + Harness.shape(m, k) + " W " + Harness.shape(n, k) + (bias == null ? "" : " + bias")
                    + ", x " + x.layout() + ", out " + out.layout();
            h.check(label, b -> {
                PackedWeight pw = b.pack(w.on(b));
                b.linear(x.on(b), pw, bias == null ? null : bias.on(b), out.on(b));
            }, out);
            i++;
        }
    }

    /** (m, n, k) triples for op(a)[m, k] * op(b)[k, n]. */
    private static List<int[]> gemmShapes(boolean quick) {
        List<int[]> s = new ArrayList<>(List.of(
                new int[] {1, 1, 1}, new int[] {3, 5, 7}, new int[] {17, 15, 33}, new int[] {31, 129, 17},
                new int[] {65, 63, 3}, new int[] {7, 33, 1024}));
        if (quick) {
            s.remove(4);
            s.remove(3);
        } else {
            s.add(new int[] {HIDDEN, 3 * HIDDEN, 3 * TOKENS}); // a weight gradient x^T dy over 3 items
        }
        return s;
    }

    private static final float[][] ALPHA_BETA = {{1f, 0f}, {0.5f, 1f}, {-1.25f, 0.75f}, {2f, -0.5f}};

    private static void gemm(Harness h) {
        int i = 0;
        for (int[] s : gemmShapes(h.quick)) {
            for (int trans = 0; trans < 4; trans++) {
                boolean ta = (trans & 1) != 0, tb = (trans & 2) != 0;
                int m = s[0], n = s[1], k = s[2];
                float[] ab = ALPHA_BETA[i++ % ALPHA_BETA.length];
                float alpha = ab[0], beta = ab[1];
                Pair a = ta ? h.matrix(k, m) : h.matrix(m, k);
                Pair bm = tb ? h.matrix(n, k) : h.matrix(k, n);
                // beta == 0 means "ignore c", even when it holds NaN: such a c starts as all NaN.
                Pair c = beta == 0f ? h.matrix(m, n, Float.NaN, Float.NaN) : h.matrix(m, n);
                String label = "m=" + m + " n=" + n + " k=" + k + (ta ? " a^T" : "") + (tb ? " b^T" : "")
                        + " alpha=" + alpha + " beta=" + beta + ", c " + c.layout();
                h.check(label, b -> b.gemm(ta, tb, alpha, a.on(b), bm.on(b), beta, c.on(b)), c);
            }
        }
    }
}
