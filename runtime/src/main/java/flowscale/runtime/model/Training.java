package flowscale.runtime.model;

import flowscale.kernels.Tensor;
import flowscale.kernels.TrainingBackend;

/** Where the layers' backward passes find their ops. */
final class Training {
    private Training() {}

    /**
     * The backend of a gradient buffer. Gradients exist only on a trainer's buffers, which live on a
     * {@link TrainingBackend}; anything else reaching a backward pass is a programming error.
     */
    static TrainingBackend backend(Tensor gradient) {
        if (gradient.backend() instanceof TrainingBackend be) return be;
        throw new IllegalStateException("backward pass on " + gradient.backend().name() + ", which cannot train");
    }
}
