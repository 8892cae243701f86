package flowscale.runtime.model.vae;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

/** BFL's {@code Upsample}: nearest-neighbour 2x, then a 3x3 conv at the new size. */
record Upsample(Conv2d conv, int channels) {

    static Upsample load(VaeCheckpoint ckpt, Backend backend, String name, int c) {
        return new Upsample(Conv2d.load(ckpt, backend, name + ".conv", c, c, 3), c);
    }

    Tensor forward(Backend backend, Tensor x, Buffers buf) {
        long b = x.dim(0), h = 2 * x.dim(2), w = 2 * x.dim(3);
        Tensor doubled = Buffers.image(buf.scratch1, b, channels, h, w);
        backend.upsampleNearest2x(x, doubled);
        Tensor out = Buffers.image(buf.activation, b, channels, h, w);
        conv.forward(backend, doubled, out);
        return out;
    }
}
