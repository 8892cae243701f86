package flowscale.runtime.model.clip;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

/**
 * {@code encoder.layers.N}: a pre-LN transformer layer with causal self-attention and a quick-GELU MLP.
 * {@code x += out_proj(attn(layer_norm1(x)))}, then {@code x += fc2(quick_gelu(fc1(layer_norm2(x))))}.
 */
final class ClipEncoderLayer {
    private final ClipTextWeights.Layer w;
    private final int heads;
    private final float eps;
    private final float attentionScale;

    ClipEncoderLayer(ClipTextWeights.Layer weights, ClipTextConfig config) {
        this.w = weights;
        this.heads = config.numHeads();
        this.eps = config.layerNormEps();
        this.attentionScale = (float) (1.0 / Math.sqrt(config.headDim()));
    }

    /** Scratch for one (batch, sequence) shape: {@code [rows, D]} except {@code mlp [rows, intermediate]}. */
    record Buffers(Tensor norm, Tensor q, Tensor k, Tensor v, Tensor attention, Tensor projected, Tensor mlp) {
        static Buffers allocate(Backend b, int rows, ClipTextConfig c) {
            int d = c.hiddenSize();
            return new Buffers(b.allocate(rows, d), b.allocate(rows, d), b.allocate(rows, d), b.allocate(rows, d),
                    b.allocate(rows, d), b.allocate(rows, d), b.allocate(rows, c.intermediateSize()));
        }
    }

    /** Updates the residual stream {@code x [batch*seq, D]} in place. */
    void forward(Tensor x, int batch, int seq, Buffers s) {
        Backend b = x.backend();
        b.layerNorm(x, w.layerNorm1Weight(), w.layerNorm1Bias(), eps, s.norm());
        w.selfAttnQProj().forward(s.norm(), s.q());
        w.selfAttnKProj().forward(s.norm(), s.k());
        w.selfAttnVProj().forward(s.norm(), s.v());
        b.causalAttention(s.q(), s.k(), s.v(), batch, seq, heads, attentionScale, s.attention());
        w.selfAttnOutProj().forward(s.attention(), s.projected());
        b.axpby(1f, x, 1f, s.projected(), x);
        b.layerNorm(x, w.layerNorm2Weight(), w.layerNorm2Bias(), eps, s.norm());
        w.mlpFc1().forward(s.norm(), s.mlp());
        b.quickGelu(s.mlp(), s.mlp());
        w.mlpFc2().forward(s.mlp(), s.projected());
        b.axpby(1f, x, 1f, s.projected(), x);
    }
}
