package flowscale.runtime.model.flux;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

/**
 * {@code single_blocks.N}: one stream over the joint sequence. {@code linear1} gives q, k, v and the MLP input
 * in one product; attention and GELU(MLP) are written side by side so that {@code linear2} projects
 * [attn; GELU(mlp)] in one product too: {@code x += gate * linear2(...)}.
 */
final class SingleStreamBlock {
    private final FluxWeights.SingleBlock w;
    private final int heads;
    private final float scale;

    SingleStreamBlock(FluxWeights.SingleBlock weights, FluxConfig c) {
        this.w = weights;
        this.heads = c.numHeads();
        this.scale = (float) (1.0 / Math.sqrt(c.headDim()));
    }

    void forward(FluxWorkspace.Views v, Tensor rope, int s) {
        Backend be = v.xJoint.backend();
        int d = w.linear2().outFeatures(), m = w.linear1().outFeatures() - 3 * d;
        w.modulationLin().forward(v.siluVec, v.modSingle);
        be.layerNorm(v.xJoint, null, null, FluxTransformer.LN_EPS, v.hJoint);
        be.modulate(v.hJoint, v.modSingle.colRange(0, d), v.modSingle.colRange(d, d), s, v.hJoint);
        w.linear1().forward(v.hJoint, v.linear1);
        Tensor q = v.linear1.colRange(0, d), k = v.linear1.colRange(d, d);
        be.headRmsNorm(q, w.normQueryNormScale(), FluxTransformer.RMS_EPS, q);
        be.headRmsNorm(k, w.normKeyNormScale(), FluxTransformer.RMS_EPS, k);
        be.rope(q, rope, s, q);
        be.rope(k, rope, s, k);
        be.attention(q, k, v.linear1.colRange(2 * d, d), v.batch, s, heads, scale, v.attnMlp.colRange(0, d));
        be.gelu(v.linear1.colRange(3 * d, m), v.attnMlp.colRange(d, m));
        w.linear2().forward(v.attnMlp, v.tmpJoint);
        be.gatedAdd(v.xJoint, v.tmpJoint, v.modSingle.colRange(2 * d, d), s);
    }
}
