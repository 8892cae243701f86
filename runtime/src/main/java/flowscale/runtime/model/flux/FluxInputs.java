package flowscale.runtime.model.flux;

/**
 * One forward pass's inputs, row-major, named as in BFL's {@code Flux.forward} (and the fixtures' goldens):
 * {@code img [B, N, in]} packed latent tokens, {@code txt [B, L, txt]} text-encoder states, {@code vec [B, vec]}
 * the pooled vector, {@code t [B]} times in [0, 1], {@code guidance [B]} (dev only, else null),
 * {@code imgIds [N, 3]} and {@code txtIds [L, 3]} the position ids, shared by the batch.
 */
public record FluxInputs(int batch, int imageTokens, int textTokens, float[] img, float[] txt, float[] vec, float[] t,
                         float[] guidance, float[] imgIds, float[] txtIds) {

    /** Checks every length against {@code c}; the message names the input and both sizes (built only on failure). */
    void check(FluxConfig c) {
        if (batch < 1 || imageTokens < 1 || textTokens < 0) {
            throw new IllegalArgumentException("FLUX inputs need a batch and image tokens, got B=" + batch + " N=" + imageTokens + " L=" + textTokens);
        }
        if (bad(img, (long) batch * imageTokens * c.inChannels())) throw wrong("img", img, "[B, N, " + c.inChannels() + "]");
        if (bad(txt, (long) batch * textTokens * c.contextDim())) throw wrong("txt", txt, "[B, L, " + c.contextDim() + "]");
        if (bad(vec, (long) batch * c.vecDim())) throw wrong("vec", vec, "[B, " + c.vecDim() + "]");
        if (bad(t, batch)) throw wrong("t", t, "[B]");
        if (bad(imgIds, 3L * imageTokens)) throw wrong("img_ids", imgIds, "[N, 3]");
        if (bad(txtIds, 3L * textTokens)) throw wrong("txt_ids", txtIds, "[L, 3]");
        if (c.guidanceEmbed()) {
            if (guidance == null) throw new IllegalArgumentException("this FLUX model embeds guidance (dev): the input guidance [B] is required");
            if (bad(guidance, batch)) throw wrong("guidance", guidance, "[B]");
        }
    }

    private static boolean bad(float[] a, long expected) {
        return a == null || a.length != expected;
    }

    private IllegalArgumentException wrong(String name, float[] a, String shape) {
        String dims = "B=" + batch + " N=" + imageTokens + " L=" + textTokens;
        return new IllegalArgumentException(a == null ? "FLUX input " + name + " " + shape + " is missing"
                : "FLUX input " + name + " has " + a.length + " values, which is not " + shape + " at " + dims);
    }
}
