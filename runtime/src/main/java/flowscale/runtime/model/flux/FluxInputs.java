package flowscale.runtime.model.flux;

/**
 * One forward pass's inputs, row-major, named as in BFL's {@code Flux.forward} (and the fixtures' goldens):
 * {@code img [B, N, in]} packed latent tokens, {@code txt [B, L, txt]} text-encoder states, {@code vec [B, vec]}
 * the pooled vector, {@code t [B]} times in [0, 1], {@code guidance [B]} (dev only, else null),
 * {@code imgIds [N, 3]} and {@code txtIds [L, 3]} the position ids, shared by the batch.
 */
public record FluxInputs(int batch, int imageTokens, int textTokens, float[] img, float[] txt, float[] vec, float[] t,
                         float[] guidance, float[] imgIds, float[] txtIds) {

    /** Checks every length against {@code c}; the message names the input and both sizes. */
    void check(FluxConfig c) {
        if (batch < 1 || imageTokens < 1 || textTokens < 0) {
            throw new IllegalArgumentException("FLUX inputs need a batch and image tokens, got B=" + batch + " N=" + imageTokens + " L=" + textTokens);
        }
        length("img", img, (long) batch * imageTokens * c.inChannels(), "[B, N, " + c.inChannels() + "]");
        length("txt", txt, (long) batch * textTokens * c.contextDim(), "[B, L, " + c.contextDim() + "]");
        length("vec", vec, (long) batch * c.vecDim(), "[B, " + c.vecDim() + "]");
        length("t", t, batch, "[B]");
        length("img_ids", imgIds, 3L * imageTokens, "[N, 3]");
        length("txt_ids", txtIds, 3L * textTokens, "[L, 3]");
        if (c.guidanceEmbed()) {
            if (guidance == null) throw new IllegalArgumentException("this FLUX model embeds guidance (dev): the input guidance [B] is required");
            length("guidance", guidance, batch, "[B]");
        }
    }

    private static void length(String name, float[] a, long expected, String shape) {
        if (a == null) throw new IllegalArgumentException("FLUX input " + name + " " + shape + " is missing");
        if (a.length != expected) {
            throw new IllegalArgumentException("FLUX input " + name + " has " + a.length + " values, expected " + expected + " for " + shape);
        }
    }
}
