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

    /** Reads the image tokens from the image stream's {@code x}, writes {@code v.out}. */
    void forward(FluxWorkspace.Views v) {
        FluxWorkspace.Stream img = v.imgStream;
        Backend be = img.x.backend();
        adaLNModulation1.forward(v.siluVec, v.modFinal);
        be.layerNorm(img.x, null, null, FluxTransformer.LN_EPS, img.h);
        be.modulate(img.h, v.finalShift, v.finalScale, img.tokens, img.h);
        linear.forward(img.h, v.out);
    }
}
