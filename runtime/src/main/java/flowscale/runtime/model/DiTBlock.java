package flowscale.runtime.model;

import flowscale.kernels.Backend;

/**
 * {@code blocks.{i}}: a DiT block with adaLN-Zero conditioning over the joint sequence of condition and
 * image tokens. {@code x += gate_msa * attn(modulate(norm1(x)))}, then
 * {@code x += gate_mlp * mlp(modulate(norm2(x)))}; norms are LayerNorm without affine.
 */
public final class DiTBlock {
    /** DiT's LayerNorm epsilon for the non-affine norms. */
    public static final float LN_EPS = 1e-6f;

    private final DiTWeights.Block w;
    private final int tokensPerItem;
    private final int heads;
    private final float attentionScale;

    DiTBlock(DiTWeights.Block weights, DiTConfig config) {
        this.w = weights;
        this.tokensPerItem = config.sequenceLength();
        this.heads = config.numHeads();
        this.attentionScale = (float) (1.0 / Math.sqrt(config.headDim()));
    }

    /** Updates {@code v.x} in place, conditioned on {@code v.siluC}. */
    void forward(Workspace.Views v) {
        Backend be = v.x.backend();
        w.adaLNModulation1().forward(v.siluC, v.modulation);

        be.layerNorm(v.x, null, null, LN_EPS, v.h);
        be.modulate(v.h, v.shiftMsa, v.scaleMsa, tokensPerItem, v.h);
        w.attnQkv().forward(v.h, v.qkv);
        be.attention(v.q, v.k, v.v, v.rows, tokensPerItem, heads, attentionScale, v.attention);
        w.attnProj().forward(v.attention, v.residualUpdate);
        be.gatedAdd(v.x, v.residualUpdate, v.gateMsa, tokensPerItem);

        be.layerNorm(v.x, null, null, LN_EPS, v.h);
        be.modulate(v.h, v.shiftMlp, v.scaleMlp, tokensPerItem, v.h);
        w.mlpFc1().forward(v.h, v.mlpHidden);
        be.gelu(v.mlpHidden, v.mlpHidden);
        w.mlpFc2().forward(v.mlpHidden, v.residualUpdate);
        be.gatedAdd(v.x, v.residualUpdate, v.gateMlp, tokensPerItem);
    }
}
