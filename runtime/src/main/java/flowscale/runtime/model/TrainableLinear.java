package flowscale.runtime.model;

import flowscale.kernels.Tensor;
import flowscale.kernels.TrainingBackend;

/**
 * A linear layer bound to views of a trainer's buffers: the unpacked weight {@code [out, in]} and bias, and
 * their gradients. The forward runs as {@code gemm(x, W^T)} plus a broadcast bias on the unpacked weight,
 * so the optimiser can update it in place between steps with nothing to repack.
 */
public record TrainableLinear(TrainingBackend backend, Tensor weight, Tensor bias, Tensor weightGrad, Tensor biasGrad)
        implements Linear {

    /** Keeps the bias as a {@code [1, out]} row, the shape the broadcast add takes. */
    public TrainableLinear {
        bias = bias.reshape(1, bias.size());
    }

    @Override
    public int inFeatures() { return weight.cols(); }

    @Override
    public int outFeatures() { return weight.rows(); }

    @Override
    public void forward(Tensor x, Tensor out) {
        backend.gemm(false, true, 1f, x, weight, 0f, out);
        backend.addBroadcastRows(out, bias, out);
    }

    @Override
    public void backward(Tensor x, Tensor dy, Tensor dx) {
        backend.linearBackward(x, weight, dy, dx, weightGrad, biasGrad);
    }
}
