package flowscale.runtime.model;

import flowscale.kernels.Backend;

/**
 * {@code t_embedder}: the flow time {@code t} in [0, 1] scaled to DiT's 0..1000 range, sinusoidal
 * features with period up to 10000, then {@code mlp.0} (Linear F -> D), SiLU, {@code mlp.2} (D -> D).
 */
public final class TimestepEmbedder {
    /** DiT and flux embed timesteps on a 0..1000 scale; the flow's t in [0, 1] is multiplied by this. */
    public static final double TIME_SCALE = 1000.0;
    public static final float MAX_PERIOD = 10000f;

    private final Linear mlp0;
    private final Linear mlp2;

    TimestepEmbedder(Linear mlp0, Linear mlp2) {
        this.mlp0 = mlp0;
        this.mlp2 = mlp2;
    }

    /** Reads {@code v.timesteps} (already scaled) and writes {@code v.timestepEmbedding}. */
    void forward(Workspace.Views v) {
        Backend be = v.timestepEmbedding.backend();
        be.timestepEmbedding(v.timesteps, MAX_PERIOD, v.timestepFrequencies);
        mlp0.forward(v.timestepFrequencies, v.embedderHidden);
        be.silu(v.embedderHidden, v.embedderHidden);
        mlp2.forward(v.embedderHidden, v.timestepEmbedding);
    }
}
