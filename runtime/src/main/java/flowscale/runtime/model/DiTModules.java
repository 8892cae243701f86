package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

/**
 * The modules of a DiT over one set of weights, named after their checkpoint keys. The inference model
 * and the trainer run these same objects; they differ only in how the weights are bound
 * ({@link DiTWeights.Binder}) and in which activations they keep.
 */
public final class DiTModules {
    public final PatchEmbedder xEmbedder;
    public final TimestepEmbedder tEmbedder;
    /**
     * {@code d_embedder} of a shortcut model (null for a base one): the step size {@code d} in [0, 1] embedded exactly as
     * the timestep is (same 0..1000 scale and sinusoidal features, its own MLP), so that a step size and a time that
     * span the same stretch of the path start from the same features.
     */
    public final TimestepEmbedder dEmbedder;
    public final EmbedderMlp yEmbedder;
    /** An array, not a List: iterating it in the forward pass must not create an iterator. */
    public final DiTBlock[] blocks;
    public final FinalLayer finalLayer;

    public DiTModules(DiTWeights w, Backend backend) {
        DiTConfig config = w.config;
        xEmbedder = new PatchEmbedder(w.xEmbedderProj, config, backend);
        tEmbedder = new TimestepEmbedder(new EmbedderMlp(w.tEmbedderMlp0, w.tEmbedderMlp2));
        dEmbedder = config.shortcut() ? new TimestepEmbedder(new EmbedderMlp(w.dEmbedderMlp0, w.dEmbedderMlp2)) : null;
        yEmbedder = new EmbedderMlp(w.yEmbedderMlp0, w.yEmbedderMlp2);
        blocks = new DiTBlock[w.blocks.size()];
        for (int i = 0; i < blocks.length; i++) blocks[i] = new DiTBlock(w.blocks.get(i), config);
        finalLayer = new FinalLayer(w.finalLayerAdaLNModulation1, w.finalLayerLinear, config);
    }

    /** {@code c = t_emb + y_emb} and {@code SiLU(c)}, the input of every adaLN modulation. */
    public static void conditioning(Tensor timestepEmbedding, Tensor conditionEmbedding, Tensor c, Tensor siluC) {
        Backend be = c.backend();
        be.axpby(1f, timestepEmbedding, 1f, conditionEmbedding, c);
        be.silu(c, siluC);
    }

    /**
     * A shortcut model's {@code c = t_emb + y_emb + d_emb} and {@code SiLU(c)}. The step-size term is added last, to
     * the base model's sum, so a zero {@code d_emb} (the zero-initialised {@code d_embedder.mlp.2}) leaves {@code c}
     * bit for bit the base model's.
     */
    public static void conditioning(Tensor timestepEmbedding, Tensor conditionEmbedding, Tensor stepSizeEmbedding,
                                    Tensor c, Tensor siluC) {
        Backend be = c.backend();
        be.axpby(1f, timestepEmbedding, 1f, conditionEmbedding, c);
        be.axpby(1f, c, 1f, stepSizeEmbedding, c);
        be.silu(c, siluC);
    }

    /** The backward of {@link #conditioning}: {@code dc} (overwritten) from {@code dSiluC}. */
    public static void conditioningBackward(Tensor c, Tensor dSiluC, Tensor dc) {
        Training.backend(dc).siluBackward(c, dSiluC, dc);
    }
}
