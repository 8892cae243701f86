package flowscale.runtime.model;

import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;

/**
 * A bound linear layer ({@code nn.Linear}): a weight {@code [out, in]} packed once for the backend's GEMM
 * and an optional bias {@code [out]} resident on the same backend.
 */
public record Linear(PackedWeight weight, Tensor bias) {

    public int inFeatures() { return weight.inFeatures(); }

    public int outFeatures() { return weight.outFeatures(); }

    /** {@code out = x W^T + b}; {@code x[rows, in]}, {@code out[rows, out]}, not aliased. */
    public void forward(Tensor x, Tensor out) {
        x.backend().linear(x, weight, bias, out);
    }
}
