package flowscale.runtime.model.t5;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

/**
 * {@code encoder.block.N}: {@code x += o(attn(layer_norm(x)))} with T5's unscaled attention and the shared
 * relative-position bias, then {@code x += wo(gelu_new(wi_0(n)) * wi_1(n))} with {@code n = layer_norm(x)};
 * T5's layer norm is RMS-only (no mean, no bias).
 */
final class T5Block {
    /** T5 folds the 1/sqrt(d_kv) into its initialisation, so its scores are not scaled. */
    private static final float NO_SCALING = 1f;

    private final T5EncoderWeights.Block w;
    private final int heads;
    private final float eps;

    T5Block(T5EncoderWeights.Block weights, T5EncoderConfig config) {
        this.w = weights;
        this.heads = config.numHeads();
        this.eps = config.layerNormEpsilon();
    }

    /** Scratch for one shape: {@code norm, projected [rows, d_model]}, q/k/v/attention {@code [rows, inner]}, gate/up {@code [rows, d_ff]}. */
    record Buffers(Tensor norm, Tensor q, Tensor k, Tensor v, Tensor attention, Tensor projected, Tensor gate, Tensor up) {
        static Buffers allocate(Backend b, int rows, T5EncoderConfig c) {
            int d = c.dModel(), inner = c.innerDim(), ff = c.dFf();
            return new Buffers(b.allocate(rows, d), b.allocate(rows, inner), b.allocate(rows, inner), b.allocate(rows, inner),
                    b.allocate(rows, inner), b.allocate(rows, d), b.allocate(rows, ff), b.allocate(rows, ff));
        }

        Buffers rows(int rows) {
            return new Buffers(norm.rowRange(0, rows), q.rowRange(0, rows), k.rowRange(0, rows), v.rowRange(0, rows),
                    attention.rowRange(0, rows), projected.rowRange(0, rows), gate.rowRange(0, rows), up.rowRange(0, rows));
        }
    }

    /** Updates {@code x [batch*seq, d_model]} in place; {@code positionBias [heads*seq, seq]}. */
    void forward(Tensor x, int batch, int seq, Tensor positionBias, Buffers s) {
        Backend b = x.backend();
        b.rmsNorm(x, w.layer0LayerNormWeight(), eps, s.norm());
        w.layer0SelfAttentionQ().forward(s.norm(), s.q());
        w.layer0SelfAttentionK().forward(s.norm(), s.k());
        w.layer0SelfAttentionV().forward(s.norm(), s.v());
        b.biasedAttention(s.q(), s.k(), s.v(), batch, seq, heads, NO_SCALING, positionBias, s.attention());
        w.layer0SelfAttentionO().forward(s.attention(), s.projected());
        b.axpby(1f, x, 1f, s.projected(), x);
        b.rmsNorm(x, w.layer1LayerNormWeight(), eps, s.norm());
        w.layer1DenseReluDenseWi0().forward(s.norm(), s.gate());
        b.gelu(s.gate(), s.gate());
        w.layer1DenseReluDenseWi1().forward(s.norm(), s.up());
        b.multiply(s.gate(), s.up(), s.gate());
        w.layer1DenseReluDenseWo().forward(s.gate(), s.projected());
        b.axpby(1f, x, 1f, s.projected(), x);
    }
}
