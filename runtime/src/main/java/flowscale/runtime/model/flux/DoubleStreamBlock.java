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

    void forward(FluxWorkspace.Views v, Tensor rope, int n, int l) {
        Backend be = v.xImg.backend();
        int d = w.img().attnProj().outFeatures();
        attentionInputs(be, w.img(), v, v.xImg, v.hImg, v.qkvImg, v.modImg, n, v.imagePart(v.qJoint), v.imagePart(v.kJoint), v.imagePart(v.vJoint));
        attentionInputs(be, w.txt(), v, v.xTxt, v.hTxt, v.qkvTxt, v.modTxt, l, v.textPart(v.qJoint), v.textPart(v.kJoint), v.textPart(v.vJoint));
        int s = n + l;
        be.rope(v.qJoint, rope, s, v.qJoint);
        be.rope(v.kJoint, rope, s, v.kJoint);
        be.attention(v.qJoint, v.kJoint, v.vJoint, v.batch, s, heads, scale, v.attnJoint);
        be.copy(v.imagePart(v.attnJoint), v.hImg.reshape(v.batch, n, d));
        be.copy(v.textPart(v.attnJoint), v.hTxt.reshape(v.batch, l, d));
        update(be, w.img(), v.xImg, v.hImg, v.tmpImg, v.mlpImg, v.modImg, n);
        update(be, w.txt(), v.xTxt, v.hTxt, v.tmpTxt, v.mlpTxt, v.modTxt, l);
    }

    /** One stream's modulated, normalised q, k, v, copied into its rows of the joint sequence. */
    private static void attentionInputs(Backend be, FluxWeights.Stream s, FluxWorkspace.Views v, Tensor x, Tensor h, Tensor qkv,
                                        Tensor mod, int tokens, Tensor qDst, Tensor kDst, Tensor vDst) {
        int d = s.attnProj().outFeatures();
        s.modLin().forward(v.siluVec, mod);
        be.layerNorm(x, null, null, FluxTransformer.LN_EPS, h);
        be.modulate(h, mod.colRange(0, d), mod.colRange(d, d), tokens, h);
        s.attnQkv().forward(h, qkv);
        be.headRmsNorm(qkv.colRange(0, d), s.attnNormQueryNormScale(), FluxTransformer.RMS_EPS, qkv.colRange(0, d));
        be.headRmsNorm(qkv.colRange(d, d), s.attnNormKeyNormScale(), FluxTransformer.RMS_EPS, qkv.colRange(d, d));
        be.copy(v.qkvChunk(qkv, 0, tokens), qDst);
        be.copy(v.qkvChunk(qkv, 1, tokens), kDst);
        be.copy(v.qkvChunk(qkv, 2, tokens), vDst);
    }

    /** {@code x += gate1 proj(attn)}; {@code x += gate2 mlp(modulate(LN(x)))}; {@code h} holds the stream's attention. */
    private static void update(Backend be, FluxWeights.Stream s, Tensor x, Tensor h, Tensor tmp, Tensor mlp, Tensor mod, int tokens) {
        int d = s.attnProj().outFeatures();
        s.attnProj().forward(h, tmp);
        be.gatedAdd(x, tmp, mod.colRange(2 * d, d), tokens);
        be.layerNorm(x, null, null, FluxTransformer.LN_EPS, h);
        be.modulate(h, mod.colRange(3 * d, d), mod.colRange(4 * d, d), tokens, h);
        s.mlp0().forward(h, mlp);
        be.gelu(mlp, mlp);
        s.mlp2().forward(mlp, tmp);
        be.gatedAdd(x, tmp, mod.colRange(5 * d, d), tokens);
    }
}
