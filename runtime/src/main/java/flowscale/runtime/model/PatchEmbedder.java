package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

/**
 * {@code x_embedder}: the image cut into {@code p x p} patches ({@code C*p*p} features each, what DiT's
 * stride-p convolution reads), {@code proj} (Linear C*p*p -> D), plus the fixed 2-D sin-cos
 * {@link PositionEmbedding} of each patch's grid position.
 */
public final class PatchEmbedder {
    private final Linear proj;
    private final DiTConfig config;
    private final Tensor positionTable;

    PatchEmbedder(Linear proj, DiTConfig config, Backend backend) {
        this.proj = proj;
        this.config = config;
        this.positionTable = backend.upload(PositionEmbedding.table(config.gridSize(), config.hiddenSize()),
                config.imageTokens(), config.hiddenSize());
    }

    /**
     * What the forward keeps: the patches {@code [items*T, C*p*p]} (the projection's input) and the embedded
     * tokens {@code [items*T, D]}, also seen as {@code [items, T, D]}.
     */
    public record Activations(Tensor patches, Tensor tokens, Tensor tokens3d) {}

    /** {@code image [items, C, H, W]} in this model's patch layout {@code [items*T, C*p*p]}. */
    public void patchify(Tensor image, Tensor patches) {
        image.backend().patchify(image, config.inChannels(), config.imageSize(), config.imageSize(), config.patchSize(), patches);
    }

    /** The inverse of {@link #patchify}: patch outputs back to {@code [items, C, H, W]}. */
    public void unpatchify(Tensor patches, Tensor image) {
        image.backend().unpatchify(patches, config.inChannels(), config.imageSize(), config.imageSize(), config.patchSize(), image);
    }

    /** Embeds {@code image} and writes the tokens into {@code xImage}, the image part of the joint sequence. */
    public void forward(Tensor image, Activations a, Tensor xImage) {
        Backend be = image.backend();
        patchify(image, a.patches);
        proj.forward(a.patches, a.tokens);
        be.addBroadcastRows(a.tokens, positionTable, a.tokens);
        be.copy(a.tokens3d, xImage);
    }

    /**
     * Accumulates {@code proj}'s gradients from {@code dXImage}, the gradient of the sequence's image part
     * ({@code [items, T, D]}); {@code dTokens [items*T, D]} is scratch. The position table is fixed.
     */
    public void backward(Activations a, Tensor dXImage, Tensor dTokens) {
        Training.backend(dTokens).copy(dXImage, dTokens.reshape(dXImage.shape()));
        proj.backward(a.patches, dTokens, null);
    }
}
