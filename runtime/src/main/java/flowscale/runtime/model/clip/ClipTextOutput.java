package flowscale.runtime.model.clip;

/**
 * What {@code CLIPTextModel} returns for a batch of token sequences, host arrays in row-major order.
 *
 * @param lastHiddenState {@code [batch, seq, D]}, after the final LayerNorm
 * @param penultimate     {@code [batch, seq, D]}, the residual stream before the last layer
 *                        ({@code hidden_states[-2]}; the embeddings for a one-layer model)
 * @param pooled          {@code [batch, D]}, {@code lastHiddenState} at each sequence's end token
 *                        (FLUX's {@code vec})
 * @param pooledPositions the position pooled in each sequence
 */
public record ClipTextOutput(int batch, int seq, int hidden, float[] lastHiddenState, float[] penultimate, float[] pooled,
                             int[] pooledPositions) {}
