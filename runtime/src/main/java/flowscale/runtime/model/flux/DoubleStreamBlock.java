package flowscale.runtime.model.flux;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

/**
 * {@code double_blocks.N}: image and text tokens keep separate weights (modulation, qkv, QK-norm, projection,
 * MLP) and meet in one attention over the joint sequence [txt; img] with rotary positions:
 * {@code x += gate1 * proj(attn)}, then {@code x += gate2 * mlp((1 + scale2) LN(x) + shift2)} per stream.
 */
final class DoubleStreamBlock {
    private final FluxWeights.DoubleBlock w;
    private final int heads;
    private final float scale;

    DoubleStreamBlock(FluxWeights.DoubleBlock weights, FluxConfig c) {
        this.w = weights;
        this.heads = c.numHeads();
        this.scale = (float) (1.0 / Math.sqrt(c.headDim()));
    }

    void forward(FluxWorkspace.Views v, Tensor rope) {
        Backend be = v.siluVec.backend();
        attentionInputs(be, w.img(), v.imgStream, v.siluVec);
        attentionInputs(be, w.txt(), v.txtStream, v.siluVec);
        int s = v.imgStream.tokens + v.txtStream.tokens;
        be.rope(v.qJoint, rope, s, v.qJoint);
        be.rope(v.kJoint, rope, s, v.kJoint);
        be.attention(v.qJoint, v.kJoint, v.vJoint, v.batch, s, heads, scale, v.attnJoint);
        update(be, w.img(), v.imgStream);
        update(be, w.txt(), v.txtStream);
    }

    /** One stream's modulated, normalised q, k, v, copied into its rows of the joint sequence. */
    private static void attentionInputs(Backend be, FluxWeights.Stream w, FluxWorkspace.Stream s, Tensor siluVec) {
        w.modLin().forward(siluVec, s.mod);
        be.layerNorm(s.x, null, null, FluxTransformer.LN_EPS, s.h);
        be.modulate(s.h, s.shift1, s.scale1, s.tokens, s.h);
        w.attnQkv().forward(s.h, s.qkv);
        be.headRmsNorm(s.q, w.attnNormQueryNormScale(), FluxTransformer.RMS_EPS, s.q);
        be.headRmsNorm(s.k, w.attnNormKeyNormScale(), FluxTransformer.RMS_EPS, s.k);
        for (int i = 0; i < 3; i++) be.copy(s.qkv3[i], s.joint3[i]);
    }

    /** {@code x += gate1 proj(attn)}; {@code x += gate2 mlp(modulate(LN(x)))}. */
    private static void update(Backend be, FluxWeights.Stream w, FluxWorkspace.Stream s) {
        be.copy(s.attn3, s.h3);
        w.attnProj().forward(s.h, s.tmp);
        be.gatedAdd(s.x, s.tmp, s.gate1, s.tokens);
        be.layerNorm(s.x, null, null, FluxTransformer.LN_EPS, s.h);
        be.modulate(s.h, s.shift2, s.scale2, s.tokens, s.h);
        w.mlp0().forward(s.h, s.mlp);
        be.gelu(s.mlp, s.mlp);
        w.mlp2().forward(s.mlp, s.tmp);
        be.gatedAdd(s.x, s.tmp, s.gate2, s.tokens);
    }
}
