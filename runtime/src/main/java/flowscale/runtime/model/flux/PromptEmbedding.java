package flowscale.runtime.model.flux;

/**
 * What FLUX is conditioned on for one prompt, as text encoders (or a file of their outputs) give it:
 * {@code txt [L, D_txt]} T5 token states, row-major, and {@code vec [D_vec]} the pooled CLIP vector.
 */
public record PromptEmbedding(int tokens, float[] txt, float[] vec) {
    public PromptEmbedding {
        if (tokens < 0 || txt == null || vec == null || (tokens == 0 ? txt.length != 0 : txt.length % tokens != 0)) {
            throw new IllegalArgumentException("prompt embedding of " + tokens + " tokens cannot hold " + (txt == null ? "no" : txt.length) + " floats");
        }
        txt = txt.clone();
        vec = vec.clone();
    }

    /** Width of one text token. */
    public int txtWidth() {
        return tokens == 0 ? 0 : txt.length / tokens;
    }
}
