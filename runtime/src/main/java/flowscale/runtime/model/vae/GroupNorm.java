package flowscale.runtime.model.vae;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

/** {@code nn.GroupNorm(groups, C, eps=1e-6, affine=True)}; in place when {@code out == x}. */
record GroupNorm(Tensor weight, Tensor bias, int groups) {

    static GroupNorm load(VaeCheckpoint ckpt, Backend backend, String name, int channels) {
        return new GroupNorm(backend.upload(ckpt.floats(name + ".weight"), channels),
                backend.upload(ckpt.floats(name + ".bias"), channels), ckpt.config().groups());
    }

    void forward(Backend backend, Tensor x, Tensor out) {
        backend.groupNorm(x, groups, weight, bias, VaeConfig.NORM_EPS, out);
    }
}
