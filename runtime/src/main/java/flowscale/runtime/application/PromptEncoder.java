package flowscale.runtime.application;

import flowscale.runtime.UserError;
import flowscale.runtime.model.PromptEmbedding;

/**
 * Prompt text to the embedding a FLUX.1 transformer conditions on: {@code txt [L, D_txt]} (T5's last hidden state
 * over the prompt padded to L tokens) and {@code vec [D_vec]} (CLIP's pooled output). Opened by
 * {@link PromptEncoders}; encoding a prompt is one pass of each encoder and is no velocity evaluation.
 */
public interface PromptEncoder extends AutoCloseable {

    /**
     * The embedding of {@code prompt}. A prompt longer than an encoder reads is cut, as the reference pipelines do,
     * and a one-line warning names the dropped text.
     */
    PromptEmbedding encode(String prompt);

    /** Width of one {@code txt} token (T5's d_model: 4096 for T5-XXL). */
    int txtWidth();

    /** Length of {@code vec} (CLIP's hidden size: 768 for CLIP-L). */
    int vecWidth();

    /** Tokens per {@code txt}: the T5 maximum length every prompt is padded (or cut) to. */
    int txtTokens();

    /**
     * Checks these encoders against a transformer that reads {@code txt} tokens {@code transformerTxtWidth} wide and a
     * {@code vec} of {@code transformerVecWidth}.
     *
     * @throws UserError one line naming both pairs of widths when they differ
     */
    default void requireWidths(int transformerTxtWidth, int transformerVecWidth) {
        if (txtWidth() != transformerTxtWidth || vecWidth() != transformerVecWidth) {
            throw new UserError("the text encoders do not fit the transformer: T5 gives txt tokens " + txtWidth()
                    + " wide and CLIP a vec of " + vecWidth() + ", the transformer reads txt " + transformerTxtWidth
                    + " wide and a vec of " + transformerVecWidth);
        }
    }

    /** Releases the encoders' checkpoints (not the backend they run on). */
    @Override
    void close();
}
