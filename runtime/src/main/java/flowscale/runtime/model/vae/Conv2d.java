package flowscale.runtime.model.vae;

import flowscale.kernels.Backend;
import flowscale.kernels.ConvWeight;
import flowscale.kernels.Tensor;

/** {@code nn.Conv2d} with "same" padding: the weight in its stored dtype (read in place), the bias widened. */
record Conv2d(ConvWeight weight, Tensor bias) {

    static Conv2d load(VaeCheckpoint ckpt, Backend backend, String name, int out, int in, int k) {
        ConvWeight w = backend.packConv(ckpt.bytes(name + ".weight"), ckpt.type(name + ".weight"), out, in, k, k);
        return new Conv2d(w, backend.upload(ckpt.floats(name + ".bias"), out));
    }

    void forward(Backend backend, Tensor x, Tensor out) {
        backend.conv2d(x, weight, bias, out);
    }
}
