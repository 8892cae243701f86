package flowscale.runtime.model;

import java.util.Arrays;

/**
 * A prompt as text encoders (or a file of their outputs) give it to a model such as FLUX.1: {@code txt [L, D_txt]}
 * token states, row-major (T5's last hidden state for FLUX), and {@code vec [D_vec]}, a pooled vector (CLIP's
 * pooled output for FLUX). The arrays are copied in and handed out as they are: callers must not change them.
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

    @Override
    public boolean equals(Object o) {
        return o instanceof PromptEmbedding e && e.tokens == tokens && Arrays.equals(e.txt, txt) && Arrays.equals(e.vec, vec);
    }

    @Override
    public int hashCode() {
        return (tokens * 31 + Arrays.hashCode(txt)) * 31 + Arrays.hashCode(vec);
    }

    @Override
    public String toString() {
        return "PromptEmbedding[" + tokens + " x " + txtWidth() + ", vec " + vec.length + "]";
    }
}
