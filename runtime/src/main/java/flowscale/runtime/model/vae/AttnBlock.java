package flowscale.runtime.model.vae;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

/**
 * BFL's {@code AttnBlock}: single-head self-attention over the H*W pixels with head size C (1x1 conv
 * projections q, k, v, proj_out), added to x. The attention op works on token rows, so q, k, v are
 * transposed from NCHW to {@code [B*HW, C]} and the result back (strided copies).
 */
record AttnBlock(GroupNorm norm, Conv2d q, Conv2d k, Conv2d v, Conv2d projOut, int channels) {

    static AttnBlock load(VaeCheckpoint ckpt, Backend backend, String name, int c) {
        return new AttnBlock(GroupNorm.load(ckpt, backend, name + ".norm", c),
                Conv2d.load(ckpt, backend, name + ".q", c, c, 1), Conv2d.load(ckpt, backend, name + ".k", c, c, 1),
                Conv2d.load(ckpt, backend, name + ".v", c, c, 1), Conv2d.load(ckpt, backend, name + ".proj_out", c, c, 1), c);
    }

    /** In place on {@code x} (a view of {@code buf.activation}). */
    Tensor forward(Backend backend, Tensor x, Buffers buf) {
        long b = x.dim(0), h = x.dim(2), w = x.dim(3), hw = h * w, c = channels;
        Tensor normed = Buffers.image(buf.scratch1, b, c, h, w);
        norm.forward(backend, x, normed);
        Tensor projected = Buffers.image(buf.scratch2, b, c, h, w);
        int tokens = Math.toIntExact(b * hw);
        Tensor qt = buf.q.rowRange(0, tokens), kt = buf.k.rowRange(0, tokens), vt = buf.v.rowRange(0, tokens);
        Tensor ot = buf.attended.rowRange(0, tokens);
        q.forward(backend, normed, projected);
        backend.copy(channelsLast(projected), tokens(qt, b, hw, c));
        k.forward(backend, normed, projected);
        backend.copy(channelsLast(projected), tokens(kt, b, hw, c));
        v.forward(backend, normed, projected);
        backend.copy(channelsLast(projected), tokens(vt, b, hw, c));
        backend.attention(qt, kt, vt, Math.toIntExact(b), Math.toIntExact(hw), 1, (float) (1.0 / Math.sqrt(c)), ot);
        backend.copy(tokens(ot, b, hw, c), channelsLast(normed));
        projOut.forward(backend, normed, projected);
        backend.axpby(1f, x, 1f, projected, x);
        return x;
    }

    /** NCHW {@code [B, C, H, W]} seen as {@code [B, HW, C]} (a transposed view). */
    private static Tensor channelsLast(Tensor nchw) {
        long b = nchw.dim(0), c = nchw.dim(1), hw = nchw.dim(2) * nchw.dim(3);
        return nchw.view(0, new long[] {b, hw, c}, new long[] {c * hw, 1, hw});
    }

    /** Token rows {@code [B*HW, C]} seen as {@code [B, HW, C]}. */
    private static Tensor tokens(Tensor rows, long b, long hw, long c) {
        return rows.view(0, new long[] {b, hw, c}, new long[] {hw * c, c, 1});
    }
}
