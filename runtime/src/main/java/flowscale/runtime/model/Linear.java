package flowscale.runtime.model;

import flowscale.kernels.Tensor;

/**
 * A linear layer ({@code nn.Linear}), {@code y = x W^T + b} with a weight {@code [out, in]} and a bias
 * {@code [out]}. Inference binds it packed for the backend's GEMM ({@link PackedLinear}); the trainer binds
 * it to views of its parameter and gradient buffers ({@link TrainableLinear}), so that the blocks built on
 * it are the same objects in both.
 */
public interface Linear {

    int inFeatures();

    int outFeatures();

    /** {@code out = x W^T + b}; {@code x[rows, in]}, {@code out[rows, out]}, not aliased. */
    void forward(Tensor x, Tensor out);

    /**
     * For the forward input {@code x} and the output gradient {@code dy}: {@code dx = dy W} (overwritten;
     * skipped when {@code dx} is null), and the weight and bias gradients accumulate ({@code +=}).
     *
     * @throws IllegalStateException on a layer bound for inference only
     */
    void backward(Tensor x, Tensor dy, Tensor dx);
}
