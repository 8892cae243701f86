package flowscale.kernels.conformance;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

import java.util.List;

/** layerNorm, rmsNorm (row-wise over matrices with padded rows), gelu and silu (element-wise). */
final class NormalizationChecks {
    private NormalizationChecks() {}

    static List<OpCheck> all() {
        return List.of(
                new OpCheck("layerNorm", Tolerances.NORM, h -> norms(h, true)),
                new OpCheck("rmsNorm", Tolerances.NORM, h -> norms(h, false)),
                new OpCheck("gelu", Tolerances.ACTIVATION, h -> activation(h, (b, x, out) -> b.gelu(x, out))),
                new OpCheck("silu", Tolerances.ACTIVATION, h -> activation(h, (b, x, out) -> b.silu(x, out))));
    }

    private static final int[] ROWS = {1, 3, 17};

    private static void norms(Harness h, boolean layerNorm) {
        int[] tails = Sizes.tails(h.quick);
        int[] widths = java.util.Arrays.copyOf(tails, tails.length + 3);
        widths[tails.length] = 256;
        widths[tails.length + 1] = 768;
        widths[tails.length + 2] = 1024;
        int i = 0;
        for (int d : widths) {
            for (boolean affine : new boolean[] {true, false}) {
                int rows = ROWS[i % ROWS.length];
                // Every other case has rows centred on 2 rather than 0: a one-pass float variance
                // E[x^2] - E[x]^2 loses digits there.
                double centre = i % 2 == 0 ? 0.0 : 2.0;
                float eps = i % 3 == 0 ? 1e-6f : 1e-5f;
                boolean inPlace = i % 4 == 3;
                i++;
                Pair x = h.matrix(rows, d, centre - 1, centre + 1);
                Pair gamma = affine ? h.flat(d, 0.5, 1.5) : null;
                Pair beta = affine && layerNorm ? h.flat(d, -0.5, 0.5) : null;
                Pair out = inPlace ? x : h.matrix(rows, d);
                String label = "x " + Harness.shape(rows, d) + " centred on " + centre + (affine ? " affine" : "")
                        + " eps " + eps + (inPlace ? " in place" : "") + ", x " + x.layout() + ", out " + out.layout();
                h.check(label, b -> {
                    if (layerNorm) {
                        b.layerNorm(x.on(b), gamma == null ? null : gamma.on(b), beta == null ? null : beta.on(b), eps, out.on(b));
                    } else {
                        b.rmsNorm(x.on(b), gamma == null ? null : gamma.on(b), eps, out.on(b));
                    }
                }, out);
            }
        }
    }

    /** An element-wise activation {@code out = f(x)} on one backend. */
    interface Activation {
        void apply(Backend backend, Tensor x, Tensor out);
    }

    /** The cases every activation op is checked on: odd sizes, in place or not. */
    static void activation(Harness h, Activation op) {
        int i = 0;
        for (int n : Sizes.elementCounts(h.quick)) {
            boolean inPlace = i++ % 3 == 2;
            // [-8, 8] covers both saturated ends and the curved middle of GELU, SiLU and quick-GELU (whose
            // sigmoid argument reaches +-13.6).
            Pair x = h.flat(n, -8, 8);
            Pair out = inPlace ? x : h.flat(n, -1, 1);
            String label = "n=" + n + (inPlace ? " in place" : "") + ", x " + x.layout() + ", out " + out.layout();
            h.check(label, b -> op.apply(b, x.on(b), out.on(b)), out);
        }
    }
}
