package flowscale.runtime.model.flux;

import flowscale.kernels.Backend;

/** {@code final_layer}: {@code linear((1 + scale) LN(img) + shift)} with {@code (shift, scale) = adaLN_modulation(vec)}. */
final class LastLayer {
    private final FusedLinear adaLNModulation1;
    private final FusedLinear linear;

    LastLayer(FluxWeights w) {
        this.adaLNModulation1 = w.finalLayerAdaLNModulation1;
        this.linear = w.finalLayerLinear;
    }

    /** Reads the image tokens from {@code v.xImg}, writes {@code v.out}. */
    void forward(FluxWorkspace.Views v, int n) {
        Backend be = v.xImg.backend();
        int d = linear.inFeatures();
        adaLNModulation1.forward(v.siluVec, v.modFinal);
        be.layerNorm(v.xImg, null, null, FluxTransformer.LN_EPS, v.hImg);
        be.modulate(v.hImg, v.modFinal.colRange(0, d), v.modFinal.colRange(d, d), n, v.hImg);
        linear.forward(v.hImg, v.out);
    }
}
