package flowscale.kernels;

/**
 * The backward passes of every op the DiT forward uses, plus the optimiser step, for backends that can
 * train. Kept apart from {@link Backend} so that inference-only backends (OpenCL, later CUDA) need not
 * implement them.
 *
 * <p>Conventions (in addition to those of {@link Backend}):
 * <ul>
 *   <li>Every op states whether each output is <b>overwritten</b> ({@code =}) or <b>accumulated into</b>
 *       ({@code +=}). Parameter gradients accumulate, so several uses of one parameter (or several
 *       micro-batches) add up; input gradients are overwritten.</li>
 *   <li>Backward ops take the forward op's inputs (not its saved intermediates) and recompute what they
 *       need (row means, softmax rows), trading a little compute for memory.</li>
 *   <li>{@code dy} is the gradient of the loss with respect to the forward op's output; {@code dx} with
 *       respect to its input {@code x}, and so on.</li>
 *   <li>Where an op says an input gradient "may alias {@code dy}", {@code dx == dy} (same view) is valid
 *       and computes the gradient in place.</li>
 * </ul>
 *
 * <p>The linear layer needs no op of its own: for {@code y = x W^T + b},
 * {@code dx = dy W} ({@code gemm(false, false, 1, dy, w, 0, dx)}), {@code dW += dy^T x}
 * ({@code gemm(true, false, 1, dy, x, 1, dW)}) and {@code db += colsum(dy)} ({@link #sumRows});
 * {@link #linearBackward} runs the three.
 */
public interface TrainingBackend extends Backend {

    // ---------------------------------------------------------------- reductions for parameter gradients

    /**
     * Column sums of {@code dy[rows, d]}: {@code out[j] = sum_r dy[r, j]} when {@code accumulate} is
     * false, {@code out[j] += sum_r dy[r, j]} when true. {@code out} holds {@code d} contiguous floats
     * (any shape). The gradient of a bias.
     */
    void sumRows(Tensor dy, Tensor out, boolean accumulate);

    /**
     * Backward of {@link #addBroadcastRows}: for {@code out[r] = x[r] + y[r mod P]}, the gradient of
     * {@code y[P, d]} is {@code dyTable[p, j] (+)= sum_{r mod P = p} dout[r, j]} ({@code +=} when
     * {@code accumulate}, else {@code =}). The gradient of {@code x} is {@code dout} itself.
     */
    void addBroadcastRowsBackward(Tensor dout, Tensor dyTable, boolean accumulate);

    // ---------------------------------------------------------------- normalisation and activations

    /**
     * Backward of {@link #layerNorm} with {@code xhat = (x - mean) * rstd} recomputed per row:
     * {@code dx = rstd * (g - mean(g) - xhat * mean(g * xhat))} with {@code g = dy * gamma}
     * (overwritten; may alias {@code dy}); {@code dgamma[j] += sum_r dy[r, j] * xhat[r, j]};
     * {@code dbeta[j] += sum_r dy[r, j]}. {@code gamma} null means no scale (gamma = 1);
     * {@code dgamma}/{@code dbeta} may be null when not wanted.
     */
    void layerNormBackward(Tensor x, Tensor gamma, float eps, Tensor dy, Tensor dx, Tensor dgamma, Tensor dbeta);

    /**
     * Backward of {@link #rmsNorm} with {@code xhat = x * rstd}: {@code dx = rstd * (g - xhat * mean(g * xhat))},
     * {@code g = dy * gamma} (overwritten; may alias {@code dy}); {@code dgamma[j] += sum_r dy * xhat}
     * ({@code dgamma} may be null). {@code gamma} null means gamma = 1.
     */
    void rmsNormBackward(Tensor x, Tensor gamma, float eps, Tensor dy, Tensor dx, Tensor dgamma);

    /** Backward of {@link #gelu} (tanh form): {@code dx = dy * gelu'(x)}, overwritten; may alias {@code dy} or {@code x}. */
    void geluBackward(Tensor x, Tensor dy, Tensor dx);

    /**
     * Backward of {@link #silu}: {@code dx = dy * s * (1 + x * (1 - s))} with {@code s = sigmoid(x)},
     * overwritten; may alias {@code dy} or {@code x}.
     */
    void siluBackward(Tensor x, Tensor dy, Tensor dx);

    // ---------------------------------------------------------------- adaLN

    /**
     * Backward of {@link #modulate} ({@code out = x * (1 + scale[b]) + shift[b]}, {@code b = r / T}):
     * {@code dx = dy * (1 + scale[b])} (overwritten; may alias {@code dy});
     * {@code dshift[b, j] += sum_{r in item b} dy[r, j]}; {@code dscale[b, j] += sum_{r in item b} dy[r, j] * x[r, j]}.
     * {@code scale}, {@code dshift}, {@code dscale} are {@code [B, d]} views (e.g. column chunks of the
     * adaLN projection's gradient).
     */
    void modulateBackward(Tensor x, Tensor scale, Tensor dy, int tokensPerItem, Tensor dx, Tensor dshift, Tensor dscale);

    /**
     * Backward of {@link #gatedAdd} ({@code residual += gate[b] * y}): given {@code dres}, the gradient of
     * the updated residual, {@code dy = gate[b] * dres} (overwritten) and
     * {@code dgate[b, j] += sum_{r in item b} dres[r, j] * y[r, j]}. The gradient of the residual before
     * the add is {@code dres} itself, which this op leaves unchanged (so {@code dy} must not alias it).
     */
    void gatedAddBackward(Tensor y, Tensor gate, Tensor dres, int tokensPerItem, Tensor dy, Tensor dgate);

    // ---------------------------------------------------------------- attention

    /**
     * Backward of {@link #attention}: with {@code P = softmax(q k^T * scale)} recomputed per query row and
     * {@code D_i = sum_c dout[i, c] * out[i, c]}: {@code dv = P^T dout}, {@code ds = P * (dout v^T - D)},
     * {@code dq = scale * ds k}, {@code dk = scale * ds^T q}. {@code dq, dk, dv} are overwritten; they may be
     * column chunks of one fused {@code dqkv} buffer but must not overlap each other or any input.
     * {@code out} is the forward result for the same inputs. The whole {@code seq x seq} score matrix is
     * never held at once by the fast backends.
     */
    void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor dout, int batch, int seq, int heads,
                           float scale, Tensor dq, Tensor dk, Tensor dv);

    // ---------------------------------------------------------------- embeddings and layout

    /** Row gather: {@code out[i, :] = table[ids[i], :]} (overwritten), {@code table[V, d]}, {@code out[ids.length, d]}. */
    void embedding(int[] ids, Tensor table, Tensor out);

    /**
     * Backward of {@link #embedding}: {@code dTable[ids[i], :] += dy[i, :]} for every i, so a repeated id
     * receives the sum of its rows (accumulated).
     */
    void embeddingBackward(int[] ids, Tensor dy, Tensor dTable);

    /**
     * Backward of {@link #patchify}: patchify only moves elements, so its gradient is {@link #unpatchify}
     * of the token gradient ({@code dImg} overwritten).
     */
    default void patchifyBackward(Tensor dTokens, int channels, int height, int width, int patch, Tensor dImg) {
        unpatchify(dTokens, channels, height, width, patch, dImg);
    }

    /** Backward of {@link #unpatchify}: {@link #patchify} of the image gradient ({@code dTokens} overwritten). */
    default void unpatchifyBackward(Tensor dImg, int channels, int height, int width, int patch, Tensor dTokens) {
        patchify(dImg, channels, height, width, patch, dTokens);
    }

    /**
     * Backward of {@link #linear} for {@code y = x W^T + b} with {@code w[out, in]} unpacked:
     * {@code dx = dy W} (overwritten; skipped when {@code dx} is null), {@code dW += dy^T x},
     * {@code db += colsum(dy)} (skipped when {@code db} is null). {@code dx} must not alias {@code dy}.
     */
    default void linearBackward(Tensor x, Tensor w, Tensor dy, Tensor dx, Tensor dw, Tensor db) {
        if (dx != null) gemm(false, false, 1.0f, dy, w, 0.0f, dx);
        gemm(true, false, 1.0f, dy, x, 1.0f, dw);
        if (db != null) sumRows(dy, db, true);
    }

    // ---------------------------------------------------------------- optimiser

    /**
     * One AdamW step (decoupled weight decay, Loshchilov and Hutter), element-wise over tensors of equal
     * size, {@code t = step >= 1}:
     * {@code param *= 1 - lr * weightDecay}; {@code m = beta1 m + (1 - beta1) grad};
     * {@code v = beta2 v + (1 - beta2) grad^2};
     * {@code param -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)}.
     * {@code param}, {@code m}, {@code v} are updated in place; {@code grad} is only read.
     */
    void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
               float weightDecay, long step);

    /** {@code x *= alpha} in place. */
    void scale(Tensor x, float alpha);

    /**
     * Global gradient-norm clipping: computes {@code n = sqrt(sum over grads of ||g||^2)} and, when
     * {@code n > maxNorm}, scales every gradient by {@code maxNorm / n}. Returns {@code n} (before
     * clipping). A non-finite norm leaves the gradients untouched, so the caller can skip the step.
     */
    default double clipGradientNorm(double maxNorm, Tensor... grads) {
        if (!(maxNorm > 0.0)) throw new IllegalArgumentException("clipGradientNorm: maxNorm " + maxNorm + " must be positive");
        double squares = 0.0;
        for (Tensor g : grads) {
            double n = norm2(g);
            squares += n * n;
        }
        double norm = Math.sqrt(squares);
        if (Double.isFinite(norm) && norm > maxNorm) {
            float factor = (float) (maxNorm / norm);
            for (Tensor g : grads) scale(g, factor);
        }
        return norm;
    }
}
