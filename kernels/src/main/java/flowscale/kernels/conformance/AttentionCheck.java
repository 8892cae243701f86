package flowscale.kernels.conformance;

import java.util.List;

/**
 * Attention over sequence lengths that are not multiples of any block size (1, 5, 37, 67, 130), head dims
 * 16, 32 and 64, 1 to 4 heads and 1 to 3 items; q, k and v either separate padded matrices or column
 * chunks of one fused qkv matrix; plus cases with huge scores, where a softmax that does not subtract the
 * row maximum overflows; and heads wider than OpenCL's tiled kernels take (256 and 512, the VAE's mid-block
 * attention has one head of 512).
 */
final class AttentionCheck {
    private AttentionCheck() {}

    static List<OpCheck> all() {
        return List.of(new OpCheck("attention", Tolerances.ATTENTION, AttentionCheck::attention));
    }

    private static final int[] SEQ = {1, 5, 37, 67, 130};
    private static final int[] SEQ_QUICK = {1, 37, 130};
    private static final int[] HEAD_DIMS = {16, 32, 64};
    private static final int[] HEAD_DIMS_QUICK = {16, 64};

    private static void attention(Harness h) {
        int i = 0;
        for (int seq : h.quick ? SEQ_QUICK : SEQ) {
            for (int hd : h.quick ? HEAD_DIMS_QUICK : HEAD_DIMS) {
                int heads = 1 + i % 4;
                int batch = 1 + i % 3;
                boolean fused = i % 2 == 1;
                // Every fifth case multiplies the usual 1/sqrt(hd) by 40: scores reach the hundreds.
                boolean huge = i % 5 == 4;
                float scale = (float) ((huge ? 40.0 : 1.0) / Math.sqrt(hd));
                i++;
                run(h, batch, seq, heads, hd, scale, fused, huge);
            }
        }
        run(h, 1, 37, 1, 512, (float) (1 / Math.sqrt(512)), false, false);
        run(h, 2, 5, 2, 256, (float) (40 / Math.sqrt(256)), true, true);
    }

    /** q, k and v of {@code rows x width}: column ranges of one fused [q | k | v] matrix, or three matrices. */
    static Pair[] queryKeyValue(Harness h, int rows, int width, boolean fused) {
        if (!fused) return new Pair[] {h.matrix(rows, width), h.matrix(rows, width), h.matrix(rows, width)};
        Pair qkv = h.matrix(rows, 3 * width);
        return new Pair[] {qkv.colRange(0, width), qkv.colRange(width, width), qkv.colRange(2 * width, width)};
    }

    private static void run(Harness h, int batch, int seq, int heads, int hd, float scale, boolean fused, boolean huge) {
        int rows = batch * seq, width = heads * hd;
        Pair[] qkv = queryKeyValue(h, rows, width, fused);
        Pair q = qkv[0], k = qkv[1], v = qkv[2];
        Pair out = h.matrix(rows, width);
        String label = "B=" + batch + " S=" + seq + " H=" + heads + " hd=" + hd + " scale=" + scale
                + (fused ? " fused qkv" : " separate q k v") + (huge ? " (huge scores)" : "") + ", out " + out.layout();
        h.check(label, b -> b.attention(q.on(b), k.on(b), v.on(b), batch, seq, heads, scale, out.on(b)), out);
    }
}
