package flowscale.kernels.conformance;

import java.util.List;

/** timestepEmbedding, patchify and unpatchify. */
final class LayoutChecks {
    private LayoutChecks() {}

    static List<OpCheck> all() {
        return List.of(
                new OpCheck("timestepEmbedding", Tolerances.TIMESTEP_EMBEDDING, LayoutChecks::timestepEmbedding),
                new OpCheck("patchify", Tolerances.EXACT, h -> patches(h, true)),
                new OpCheck("unpatchify", Tolerances.EXACT, h -> patches(h, false)));
    }

    private static void timestepEmbedding(Harness h) {
        int[] batches = {1, 3, 5};
        int[] dims = h.quick ? new int[] {1, 7, 256} : new int[] {1, 2, 7, 33, 64, 256, 257};
        int i = 0;
        for (int dim : dims) {
            for (int timeScale : new int[] {1, 1000}) {
                int batch = batches[i++ % batches.length];
                // Times in [0, 1] as samplers use them, and in [0, 1000] as DiT / flux scale them.
                float[] t = h.uniforms(batch, 0, timeScale);
                t[0] = timeScale;
                Pair out = h.matrix(batch, dim);
                String label = "B=" + batch + " dim=" + dim + " t in [0, " + timeScale + "], out " + out.layout();
                h.check(label, b -> b.timestepEmbedding(t, 10000f, out.on(b)), out);
            }
        }
    }

    /** (batch, channels, height, width, patch). */
    private static int[][] shapes(boolean quick) {
        if (quick) return new int[][] {{1, 1, 2, 2, 1}, {2, 4, 8, 8, 2}, {1, 3, 6, 10, 2}};
        return new int[][] {
            {1, 1, 2, 2, 1}, {1, 3, 4, 4, 2}, {2, 4, 8, 8, 2}, {3, 4, 32, 32, 2}, {1, 3, 6, 10, 2},
            {2, 2, 12, 8, 4}, {1, 4, 32, 32, 4}, {2, 3, 5, 7, 1},
        };
    }

    private static void patches(Harness h, boolean forward) {
        for (int[] s : shapes(h.quick)) {
            int batch = s[0], c = s[1], height = s[2], width = s[3], p = s[4];
            int tokens = batch * (height / p) * (width / p);
            Pair img = h.flat((long) batch * c * height * width, -1, 1);
            Pair tok = h.matrix(tokens, c * p * p);
            String label = "B=" + batch + " C=" + c + " " + height + "x" + width + " patch " + p
                    + ", img " + img.layout() + ", tokens " + tok.layout();
            if (forward) {
                h.check(label, b -> b.patchify(img.on(b), c, height, width, p, tok.on(b)), tok);
            } else {
                h.check(label, b -> b.unpatchify(tok.on(b), c, height, width, p, img.on(b)), img);
            }
        }
    }
}
