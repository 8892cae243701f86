package flowscale.kernels.conformance;

import java.util.List;

/**
 * The ops the text encoders add: quickGelu and multiply (element-wise, some in place), and attention with a
 * causal mask (CLIP) or an additive per-head bias (T5) over the same sequence lengths, head dims and layouts
 * as {@link AttentionCheck}: lengths that straddle the cpu kernel's query and key blocks (so the causal
 * block skipping and the masked tails of a block are met), fused and separate q/k/v, padded bias rows, and
 * cases with scores in the hundreds.
 */
final class TextEncoderChecks {
    private TextEncoderChecks() {}

    static List<OpCheck> all() {
        return List.of(
                new OpCheck("quickGelu", Tolerances.ACTIVATION,
                        h -> NormalizationChecks.activation(h, (b, x, out) -> b.quickGelu(x, out))),
                new OpCheck("multiply", Tolerances.ELEMENTWISE, TextEncoderChecks::multiply),
                new OpCheck("causalAttention", Tolerances.ATTENTION, h -> attention(h, false)),
                new OpCheck("biasedAttention", Tolerances.ATTENTION, h -> attention(h, true)));
    }

    private static void multiply(Harness h) {
        int i = 0;
        for (int n : Sizes.elementCounts(h.quick)) {
            boolean inPlace = i++ % 3 == 1;
            Pair x = h.flat(n, -3, 3);
            Pair y = h.flat(n, -3, 3);
            Pair out = inPlace ? y : h.flat(n, -1, 1);
            String label = "n=" + n + (inPlace ? " in place" : "") + ", x " + x.layout() + ", out " + out.layout();
            h.check(label, b -> b.multiply(x.on(b), y.on(b), out.on(b)), out);
        }
    }

    private static final int[] SEQ = {1, 5, 37, 67, 130};
    private static final int[] SEQ_QUICK = {1, 37, 130};
    private static final int[] HEAD_DIMS = {8, 16, 64};
    private static final int[] HEAD_DIMS_QUICK = {8, 64};

    private static void attention(Harness h, boolean biased) {
        int i = 0;
        for (int seq : h.quick ? SEQ_QUICK : SEQ) {
            for (int hd : h.quick ? HEAD_DIMS_QUICK : HEAD_DIMS) {
                int heads = 1 + i % 4;
                int batch = 1 + i % 3;
                boolean fused = i % 2 == 1;
                boolean huge = i % 5 == 4;
                // T5 does not scale its scores (scale 1); CLIP uses 1/sqrt(hd). Huge cases use AttentionCheck's
                // 40/sqrt(hd): scores in the hundreds, whose float32 rounding alone (|s| u) is what the tolerance allows.
                float scale = (float) (huge ? 40.0 / Math.sqrt(hd) : biased && i % 2 == 0 ? 1.0 : 1.0 / Math.sqrt(hd));
                i++;
                run(h, biased, batch, seq, heads, hd, scale, fused, huge);
            }
        }
    }

    private static void run(Harness h, boolean biased, int batch, int seq, int heads, int hd, float scale, boolean fused,
                            boolean huge) {
        int rows = batch * seq, width = heads * hd;
        Pair[] qkv = AttentionCheck.queryKeyValue(h, rows, width, fused);
        Pair q = qkv[0], k = qkv[1], v = qkv[2];
        // T5's learned biases are a few units wide; huge cases make them as large as the huge scores.
        double span = huge ? 40.0 : 3.0;
        Pair bias = biased ? h.matrix(heads * seq, seq, -span, span) : null;
        Pair out = h.matrix(rows, width);
        String label = "B=" + batch + " S=" + seq + " H=" + heads + " hd=" + hd + " scale=" + scale
                + (fused ? " fused qkv" : " separate q k v") + (huge ? " (huge scores)" : "")
                + (biased ? ", bias " + bias.layout() : "") + ", out " + out.layout();
        if (biased) {
            h.check(label, b -> b.biasedAttention(q.on(b), k.on(b), v.on(b), batch, seq, heads, scale, bias.on(b), out.on(b)), out);
        } else {
            h.check(label, b -> b.causalAttention(q.on(b), k.on(b), v.on(b), batch, seq, heads, scale, out.on(b)), out);
        }
    }
}
