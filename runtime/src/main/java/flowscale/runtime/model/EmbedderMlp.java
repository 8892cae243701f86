package flowscale.runtime.model;

import flowscale.kernels.Tensor;
import flowscale.kernels.TrainingBackend;

/**
 * {@code t_embedder.mlp} and {@code y_embedder.mlp}: {@code mlp.0} (Linear), SiLU, {@code mlp.2} (Linear D -> D).
 */
public final class EmbedderMlp {
    private final Linear mlp0;
    private final Linear mlp2;

    EmbedderMlp(Linear mlp0, Linear mlp2) {
        this.mlp0 = mlp0;
        this.mlp2 = mlp2;
    }

    /**
     * What the forward writes besides its output: {@code mlp.0}'s output and its SiLU, both {@code [rows, D]}.
     * Inference passes one tensor for both (SiLU in place); the backward needs them apart.
     */
    public record Activations(Tensor preSilu, Tensor hidden) {}

    /** {@code out = mlp.2(silu(mlp.0(x)))}. */
    public void forward(Tensor x, Activations a, Tensor out) {
        mlp0.forward(x, a.preSilu);
        x.backend().silu(a.preSilu, a.hidden);
        mlp2.forward(a.hidden, out);
    }

    /**
     * For the forward's {@code x} and activations and the output gradient {@code dOut}: parameter gradients
     * accumulate, {@code dx} is overwritten (skipped when null); {@code dHidden [rows, D]} is scratch.
     */
    public void backward(Tensor x, Activations a, Tensor dOut, Tensor dHidden, Tensor dx) {
        TrainingBackend be = Training.backend(dOut);
        mlp2.backward(a.hidden, dOut, dHidden);
        be.siluBackward(a.preSilu, dHidden, dHidden);
        mlp0.backward(x, dHidden, dx);
    }
}
