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
        w.modulationLin().forward(v.siluVec, v.modSingle);
        be.layerNorm(v.xJoint, null, null, FluxTransformer.LN_EPS, v.hJoint);
        be.modulate(v.hJoint, v.singleShift, v.singleScale, s, v.hJoint);
        w.linear1().forward(v.hJoint, v.linear1);
        be.headRmsNorm(v.q1, w.normQueryNormScale(), FluxTransformer.RMS_EPS, v.q1);
        be.headRmsNorm(v.k1, w.normKeyNormScale(), FluxTransformer.RMS_EPS, v.k1);
        be.rope(v.q1, rope, s, v.q1);
        be.rope(v.k1, rope, s, v.k1);
        be.attention(v.q1, v.k1, v.v1, v.batch, s, heads, scale, v.attnOut1);
        be.gelu(v.mlp1, v.mlpOut1);
        w.linear2().forward(v.attnMlp, v.tmpJoint);
        be.gatedAdd(v.xJoint, v.tmpJoint, v.singleGate, s);
    }
}
