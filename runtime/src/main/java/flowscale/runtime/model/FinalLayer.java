package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;
import flowscale.kernels.TrainingBackend;

/**
 * {@code final_layer}: adaLN (shift, scale) from SiLU(c), LayerNorm without affine, modulate, then
 * {@code linear} (D -> C*p*p) on the image tokens only.
 */
public final class FinalLayer {
    private final Linear adaLNModulation1;
    private final Linear linear;
    private final DiTConfig config;

    FinalLayer(Linear adaLNModulation1, Linear linear, DiTConfig config) {
        this.adaLNModulation1 = adaLNModulation1;
        this.linear = linear;
        this.config = config;
    }

    /**
     * The final layer's intermediates for {@code items} items: the modulation {@code [items, 2D]} (shift,
     * scale), the norm and its modulation {@code [items*S, D]}, and the modulated image tokens gathered
     * into {@code [items*T, D]} rows ({@code linear}'s input), also seen as {@code [items, T, D]}.
     */
    public static final class Activations {
        final Tensor modulation, shift, scale, norm, modulated, modulatedImage, imageTokens, imageTokens3d;

        Activations(int items, DiTConfig c, Tensor modulation, Tensor norm, Tensor modulated, Tensor imageTokens) {
            long d = c.hiddenSize();
            this.modulation = modulation;
            shift = modulation.colRange(0, d);
            scale = modulation.colRange(d, d);
            this.norm = norm;
            this.modulated = modulated;
            modulatedImage = JointSequence.imagePart(modulated, items, c);
            this.imageTokens = imageTokens;
            imageTokens3d = imageTokens.reshape(items, c.imageTokens(), d);
        }

        /** Every intermediate in a buffer of its own, for the backward pass. */
        public static Activations kept(Backend be, DiTConfig c, int items) {
            long rows = (long) items * c.sequenceLength(), d = c.hiddenSize();
            return new Activations(items, c, be.allocate(items, 2 * d), be.allocate(rows, d), be.allocate(rows, d),
                    be.allocate((long) items * c.imageTokens(), d));
        }

        /** The inference set: norm and modulation in place in {@code h}. */
        static Activations inPlace(int items, DiTConfig c, Tensor modulation, Tensor h, Tensor imageTokens) {
            return new Activations(items, c, modulation, h, h, imageTokens);
        }
    }

    /**
     * Gradient scratch of the backward pass: of {@code linear}'s input ({@code [items*T, D]}), of the
     * modulated sequence ({@code [items*S, D]}, zero on the condition tokens) and of the modulation.
     */
    public static final class Gradients {
        final Tensor imageTokens, imageTokens3d, modulated, modulatedImage, modulation, shift, scale;

        public Gradients(Backend be, DiTConfig c, int items) {
            long d = c.hiddenSize();
            imageTokens = be.allocate((long) items * c.imageTokens(), d);
            imageTokens3d = imageTokens.reshape(items, c.imageTokens(), d);
            modulated = be.allocate((long) items * c.sequenceLength(), d);
            modulatedImage = JointSequence.imagePart(modulated, items, c);
            modulation = be.allocate(items, 2 * d);
            shift = modulation.colRange(0, d);
            scale = modulation.colRange(d, d);
        }
    }

    /** {@code patches [items*T, C*p*p] = final_layer(x)} conditioned on {@code siluC [items, D]}. */
    public void forward(Tensor x, Tensor siluC, Activations a, Tensor patches) {
        modulation(siluC, a);
        forwardModulated(x, a, patches);
    }

    /** The (shift, scale) modulation of {@code siluC [items, D]} into {@code a}. */
    void modulation(Tensor siluC, Activations a) {
        adaLNModulation1.forward(siluC, a.modulation);
    }

    /** {@link #forward} with the modulation already in {@code a}. */
    void forwardModulated(Tensor x, Activations a, Tensor patches) {
        Backend be = x.backend();
        be.layerNorm(x, null, null, DiTBlock.LN_EPS, a.norm);
        be.modulate(a.norm, a.shift, a.scale, config.sequenceLength(), a.modulated);
        be.copy(a.modulatedImage, a.imageTokens3d);
        linear.forward(a.imageTokens, patches);
    }

    /**
     * The backward of {@link #forward} for the output gradient {@code dPatches}: {@code dX} (the gradient of
     * {@code x}) and {@code dSiluC} are overwritten; parameter gradients accumulate.
     */
    public void backward(Tensor x, Tensor siluC, Activations a, Tensor dPatches, Tensor dX, Tensor dSiluC, Gradients g) {
        TrainingBackend be = Training.backend(dX);
        linear.backward(a.imageTokens, dPatches, g.imageTokens);
        be.fill(g.modulated, 0f);
        be.copy(g.imageTokens3d, g.modulatedImage);
        be.fill(g.modulation, 0f);
        be.modulateBackward(a.norm, a.scale, g.modulated, config.sequenceLength(), g.modulated, g.shift, g.scale);
        be.layerNormBackward(x, null, DiTBlock.LN_EPS, g.modulated, dX, null, null);
        adaLNModulation1.backward(siluC, g.modulation, dSiluC);
    }
}
