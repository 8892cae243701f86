package flowscale.runtime.model;

import flowscale.kernels.Backend;

/**
 * {@code final_layer}: adaLN (shift, scale) from SiLU(c), LayerNorm without affine, modulate, then
 * {@code linear} (D -> C*p*p) on the image tokens only.
 */
final class FinalLayer {
    private final Linear adaLNModulation1;
    private final Linear linear;
    private final int tokensPerItem;

    FinalLayer(Linear adaLNModulation1, Linear linear, int tokensPerItem) {
        this.adaLNModulation1 = adaLNModulation1;
        this.linear = linear;
        this.tokensPerItem = tokensPerItem;
    }

    /** Reads {@code v.x} and {@code v.siluC}; writes the patch outputs to {@code v.patches}. */
    void forward(Workspace.Views v) {
        Backend be = v.x.backend();
        adaLNModulation1.forward(v.siluC, v.finalModulation);
        be.layerNorm(v.x, null, null, DiTBlock.LN_EPS, v.h);
        be.modulate(v.h, v.finalShift, v.finalScale, tokensPerItem, v.h);
        be.copy(v.hImage3d, v.imageTokens3d);
        linear.forward(v.imageTokens, v.patches);
    }
}
