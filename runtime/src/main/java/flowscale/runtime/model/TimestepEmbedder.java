package flowscale.runtime.model;

import flowscale.kernels.Tensor;

/**
 * {@code t_embedder}: the flow time {@code t} in [0, 1] scaled to DiT's 0..1000 range, sinusoidal
 * features with period up to 10000, then {@code mlp} (Linear F -> D, SiLU, Linear D -> D).
 */
public final class TimestepEmbedder {
    /** DiT and flux embed timesteps on a 0..1000 scale; the flow's t in [0, 1] is multiplied by this. */
    public static final double TIME_SCALE = 1000.0;
    public static final float MAX_PERIOD = 10000f;

    private final EmbedderMlp mlp;

    TimestepEmbedder(EmbedderMlp mlp) {
        this.mlp = mlp;
    }

    /** What the forward keeps: the sinusoidal features {@code [rows, F]} and the MLP's activations. */
    public record Activations(Tensor frequencies, EmbedderMlp.Activations mlp) {}

    /** The value the embedding takes for flow time {@code t}: scaled in double, then rounded once. */
    public static float scaled(double t) {
        return (float) (t * TIME_SCALE);
    }

    /** Embeds {@code scaledTimesteps} (one per row, already {@link #scaled}) into {@code out [rows, D]}. */
    public void forward(float[] scaledTimesteps, Activations a, Tensor out) {
        out.backend().timestepEmbedding(scaledTimesteps, MAX_PERIOD, a.frequencies);
        mlp.forward(a.frequencies, a.mlp, out);
    }

    /** Accumulates the MLP's parameter gradients for the output gradient {@code dOut}; {@code dHidden} is scratch. */
    public void backward(Activations a, Tensor dOut, Tensor dHidden) {
        mlp.backward(a.frequencies, a.mlp, dOut, dHidden, null);
    }
}
