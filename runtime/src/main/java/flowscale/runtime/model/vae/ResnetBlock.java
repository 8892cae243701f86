package flowscale.runtime.model.vae;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

/** BFL's {@code ResnetBlock}: norm1, SiLU, conv1, norm2, SiLU, conv2, plus x (through nin_shortcut when the width changes). */
record ResnetBlock(GroupNorm norm1, Conv2d conv1, GroupNorm norm2, Conv2d conv2, Conv2d ninShortcut, int in, int out) {

    static ResnetBlock load(VaeCheckpoint ckpt, Backend backend, String name, int in, int out) {
        return new ResnetBlock(GroupNorm.load(ckpt, backend, name + ".norm1", in),
                Conv2d.load(ckpt, backend, name + ".conv1", out, in, 3),
                GroupNorm.load(ckpt, backend, name + ".norm2", out),
                Conv2d.load(ckpt, backend, name + ".conv2", out, out, 3),
                in == out ? null : Conv2d.load(ckpt, backend, name + ".nin_shortcut", out, in, 1), in, out);
    }

    /** {@code x} is a view of {@code buf.activation}; returns the output, another view of it. */
    Tensor forward(Backend backend, Tensor x, Buffers buf) {
        long b = x.dim(0), h = x.dim(2), w = x.dim(3);
        Tensor t = Buffers.image(buf.scratch1, b, in, h, w);
        norm1.forward(backend, x, t);
        backend.silu(t, t);
        Tensor u = Buffers.image(buf.scratch2, b, out, h, w);
        conv1.forward(backend, t, u);
        norm2.forward(backend, u, u);
        backend.silu(u, u);
        Tensor residual = Buffers.image(buf.scratch1, b, out, h, w);
        conv2.forward(backend, u, residual);
        Tensor result = Buffers.image(buf.activation, b, out, h, w);
        if (ninShortcut == null) {
            backend.axpby(1f, x, 1f, residual, result);
        } else {
            Tensor shortcut = Buffers.image(buf.scratch2, b, out, h, w);
            ninShortcut.forward(backend, x, shortcut); // x is dead after this, so result may reuse its memory
            backend.axpby(1f, shortcut, 1f, residual, result);
        }
        return result;
    }
}
