package flowscale.kernels.conformance;

import java.util.List;

/**
 * The per-head ops of FLUX.1: {@code headRmsNorm} and {@code rope}, on separate padded matrices and on the q
 * and k column chunks of a fused qkv matrix (where FLUX applies them), in place and not, with head dims from
 * a vector tail (4, 6 with rope's pairs) to FLUX's 128.
 */
final class HeadChecks {
    private HeadChecks() {}

    static List<OpCheck> all() {
        return List.of(
                new OpCheck("headRmsNorm", Tolerances.NORM, HeadChecks::headRmsNorm),
                new OpCheck("rope", Tolerances.ELEMENTWISE, HeadChecks::rope));
    }

    private static final int[] HEAD_DIMS = {4, 6, 16, 17, 128};
    private static final int[] HEAD_DIMS_QUICK = {6, 128};

    private static void headRmsNorm(Harness h) {
        int i = 0;
        for (int hd : h.quick ? HEAD_DIMS_QUICK : HEAD_DIMS) {
            for (int rows : new int[] {1, 7, 33}) {
                int heads = 1 + i % 3;
                boolean fused = i % 2 == 1, inPlace = i % 3 == 2;
                float eps = i % 2 == 0 ? 1e-6f : 1e-5f;
                // Every other case centres the values on 2: a mean of squares, unlike a variance, has no cancellation,
                // but the scale then differs from head to head.
                double centre = i % 4 < 2 ? 0.0 : 2.0;
                i++;
                int width = heads * hd;
                Pair x = fused ? h.matrix(rows, 3 * width, centre - 1, centre + 1).colRange(width, width)
                        : h.matrix(rows, width, centre - 1, centre + 1);
                Pair gamma = h.flat(hd, 0.5, 1.5);
                Pair out = inPlace ? x : h.matrix(rows, width);
                String label = "x " + Harness.shape(rows, width) + " heads " + heads + " of " + hd + " centred on " + centre
                        + (fused ? " (k chunk of qkv)" : "") + (inPlace ? " in place" : "") + " eps " + eps + ", out " + out.layout();
                h.check(label, b -> b.headRmsNorm(x.on(b), gamma.on(b), eps, out.on(b)), x, out);
            }
        }
    }

    private static void rope(Harness h) {
        int i = 0;
        for (int hd : h.quick ? HEAD_DIMS_QUICK : HEAD_DIMS) {
            if (hd % 2 != 0) continue;
            for (int seq : new int[] {1, 5, 31}) {
                int heads = 1 + i % 3, batch = 1 + i % 2;
                boolean fused = i % 2 == 0, inPlace = i % 3 == 1;
                i++;
                int rows = batch * seq, width = heads * hd;
                Pair x = fused ? h.matrix(rows, 3 * width).colRange(0, width) : h.matrix(rows, width);
                Pair table = table(h, seq, hd);
                Pair out = inPlace ? x : h.matrix(rows, width);
                String label = "x " + Harness.shape(rows, width) + " B=" + batch + " S=" + seq + " heads " + heads + " of " + hd
                        + (fused ? " (q chunk of qkv)" : "") + (inPlace ? " in place" : "") + ", out " + out.layout();
                h.check(label, b -> b.rope(x.on(b), table.on(b), seq, out.on(b)), x, out);
            }
        }
    }

    /** A [seq, hd] table of (cos, sin) of angles up to 60 radians (FLUX's positions reach 64 at 1024 px). */
    private static Pair table(Harness h, int seq, int hd) {
        float[] t = new float[seq * hd];
        for (int j = 0; j < t.length; j += 2) {
            double angle = h.uniform(0, 60);
            t[j] = (float) Math.cos(angle);
            t[j + 1] = (float) Math.sin(angle);
        }
        Pair flat = h.flat(t);
        return new Pair(flat.reference(), flat.ref().reshape(seq, hd), flat.cand().reshape(seq, hd));
    }
}
