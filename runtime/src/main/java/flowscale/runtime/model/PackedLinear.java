package flowscale.runtime.model;

import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;

/**
 * A linear layer bound for inference: the weight packed once for the backend's GEMM and the bias resident
 * on the same backend. It has no gradient buffers, so it cannot run a backward pass.
 */
public record PackedLinear(PackedWeight weight, Tensor bias) implements Linear {

    @Override
    public int inFeatures() { return weight.inFeatures(); }

    @Override
    public int outFeatures() { return weight.outFeatures(); }

    @Override
    public void forward(Tensor x, Tensor out) {
        x.backend().linear(x, weight, bias, out);
    }

    @Override
    public void backward(Tensor x, Tensor dy, Tensor dx) {
        throw new IllegalStateException("a packed linear layer is bound for inference and keeps no gradients");
    }
}
