package flowscale.runtime.model.flux;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

/**
 * The activations of one FLUX forward pass, allocated once for up to {@code capacity} items of {@code n} image
 * and {@code l} text tokens ({@code s = l + n} joint tokens); {@link #views} gives the tensors for a smaller
 * batch as leading rows of the same memory, made once per batch size, so a steady-state call allocates nothing.
 *
 * <p>Phases share memory: the double blocks' joint q, k, v and attention output live in the buffer the single
 * blocks use for [attention; GELU(MLP)], and their MLP hidden states in the single blocks' {@code linear1}
 * output. Per item that is {@code s (3D + M) + s max(D + M, 4D)} floats for these two, the largest part.
 */
final class FluxWorkspace {
    final int capacity, n, l, s;
    private final FluxConfig c;
    private final Tensor img, txt, vecIn, timeFeatures, guidanceFeatures, embedHidden, embedOut, vec, siluVec;
    private final Tensor xImg, xTxt, hImg, hTxt, tmpImg, tmpTxt, qkvImg, qkvTxt, modImg, modTxt;
    private final Tensor xJoint, hJoint, tmpJoint, modSingle, modFinal, out;
    private final Tensor wide, shared;
    private final Views[] byBatch;

    /** Allocates one {@code [rows, cols]} buffer; the memory plan passes one that only counts. */
    interface Allocator {
        Tensor allocate(long rows, long cols);
    }

    FluxWorkspace(FluxConfig c, Backend be, int capacity, int n, int l) {
        this(c, be::allocate, capacity, n, l);
    }

    /** Floats the workspace of {@code capacity} items of {@code n} image and {@code l} text tokens allocates. */
    static long floats(FluxConfig c, int capacity, int n, int l) {
        long[] total = {0};
        new FluxWorkspace(c, (rows, cols) -> {
            total[0] += rows * cols;
            return null;
        }, capacity, n, l);
        return total[0];
    }

    private FluxWorkspace(FluxConfig c, Allocator be, int capacity, int n, int l) {
        this.c = c;
        this.capacity = capacity;
        this.n = n;
        this.l = l;
        this.s = n + l;
        long d = c.hiddenSize(), m = c.mlpHidden(), b = capacity;
        img = be.allocate(b * n, c.inChannels());
        txt = be.allocate(b * l, c.contextDim());
        vecIn = be.allocate(b, c.vecDim());
        timeFeatures = be.allocate(b, FluxConfig.TIME_FEATURES);
        guidanceFeatures = be.allocate(b, FluxConfig.TIME_FEATURES);
        embedHidden = be.allocate(b, d);
        embedOut = be.allocate(b, d);
        vec = be.allocate(b, d);
        siluVec = be.allocate(b, d);
        xImg = be.allocate(b * n, d);
        xTxt = be.allocate(b * l, d);
        hImg = be.allocate(b * n, d);
        hTxt = be.allocate(b * l, d);
        tmpImg = be.allocate(b * n, d);
        tmpTxt = be.allocate(b * l, d);
        qkvImg = be.allocate(b * n, 3 * d);
        qkvTxt = be.allocate(b * l, 3 * d);
        modImg = be.allocate(b, 6 * d);
        modTxt = be.allocate(b, 6 * d);
        xJoint = be.allocate(b * s, d);
        hJoint = be.allocate(b * s, d);
        tmpJoint = be.allocate(b * s, d);
        modSingle = be.allocate(b, 3 * d);
        modFinal = be.allocate(b, 2 * d);
        out = be.allocate(b * n, c.outChannels());
        wide = be.allocate(1, b * s * (3 * d + m));
        shared = be.allocate(1, b * s * Math.max(d + m, 4 * d));
        byBatch = new Views[capacity + 1];
    }

    /** The tensors for a batch of {@code batch <= capacity} items. */
    Views views(int batch) {
        if (batch < 1 || batch > capacity) throw new IllegalArgumentException("batch " + batch + " outside [1, " + capacity + "]");
        if (byBatch[batch] == null) byBatch[batch] = new Views(batch);
        return byBatch[batch];
    }

    /** One batch size's views; names follow the forward pass. */
    final class Views {
        final int batch;
        final Tensor img, txt, vecIn, timeFeatures, guidanceFeatures, embedHidden, embedOut, vec, siluVec;
        final Tensor xImg, xTxt, hImg, hTxt, tmpImg, tmpTxt, qkvImg, qkvTxt, modImg, modTxt, mlpImg, mlpTxt;
        final Tensor qJoint, kJoint, vJoint, attnJoint;
        final Tensor xJoint, hJoint, tmpJoint, modSingle, linear1, attnMlp, modFinal, out;

        private Views(int b) {
            batch = b;
            long d = c.hiddenSize(), m = c.mlpHidden(), bs = (long) b * s;
            img = rows(FluxWorkspace.this.img, (long) b * n);
            txt = rows(FluxWorkspace.this.txt, (long) b * l);
            vecIn = rows(FluxWorkspace.this.vecIn, b);
            timeFeatures = rows(FluxWorkspace.this.timeFeatures, b);
            guidanceFeatures = rows(FluxWorkspace.this.guidanceFeatures, b);
            embedHidden = rows(FluxWorkspace.this.embedHidden, b);
            embedOut = rows(FluxWorkspace.this.embedOut, b);
            vec = rows(FluxWorkspace.this.vec, b);
            siluVec = rows(FluxWorkspace.this.siluVec, b);
            xImg = rows(FluxWorkspace.this.xImg, (long) b * n);
            xTxt = rows(FluxWorkspace.this.xTxt, (long) b * l);
            hImg = rows(FluxWorkspace.this.hImg, (long) b * n);
            hTxt = rows(FluxWorkspace.this.hTxt, (long) b * l);
            tmpImg = rows(FluxWorkspace.this.tmpImg, (long) b * n);
            tmpTxt = rows(FluxWorkspace.this.tmpTxt, (long) b * l);
            qkvImg = rows(FluxWorkspace.this.qkvImg, (long) b * n);
            qkvTxt = rows(FluxWorkspace.this.qkvTxt, (long) b * l);
            modImg = rows(FluxWorkspace.this.modImg, b);
            modTxt = rows(FluxWorkspace.this.modTxt, b);
            xJoint = rows(FluxWorkspace.this.xJoint, bs);
            hJoint = rows(FluxWorkspace.this.hJoint, bs);
            tmpJoint = rows(FluxWorkspace.this.tmpJoint, bs);
            modSingle = rows(FluxWorkspace.this.modSingle, b);
            modFinal = rows(FluxWorkspace.this.modFinal, b);
            out = rows(FluxWorkspace.this.out, (long) b * n);
            linear1 = part(wide, 0, bs, 3 * d + m);
            mlpImg = part(wide, 0, (long) b * n, m);
            mlpTxt = part(wide, (long) b * n * m, (long) b * l, m);
            attnMlp = part(shared, 0, bs, d + m);
            qJoint = part(shared, 0, bs, d);
            kJoint = part(shared, bs * d, bs, d);
            vJoint = part(shared, 2 * bs * d, bs, d);
            attnJoint = part(shared, 3 * bs * d, bs, d);
        }

        /** The text rows of every item of a joint {@code [B*S, D]} tensor, as {@code [B, L, D]}. */
        Tensor textPart(Tensor joint) {
            long d = joint.dim(1);
            return joint.view(0, new long[] {batch, l, d}, new long[] {s * d, d, 1});
        }

        /** The image rows of every item of a joint {@code [B*S, D]} tensor, as {@code [B, N, D]}. */
        Tensor imagePart(Tensor joint) {
            long d = joint.dim(1);
            return joint.view(l * d, new long[] {batch, n, d}, new long[] {s * d, d, 1});
        }

        /** Chunk {@code k} (q, k, v = 0, 1, 2) of a fused {@code [B*R, 3D]} qkv output as {@code [B, R, D]}. */
        Tensor qkvChunk(Tensor qkv, int k, int tokens) {
            long d = qkv.dim(1) / 3;
            return qkv.view(k * d, new long[] {batch, tokens, d}, new long[] {tokens * 3 * d, 3 * d, 1});
        }
    }

    private static Tensor rows(Tensor t, long rows) {
        return t.rowRange(0, rows);
    }

    private static Tensor part(Tensor flat, long offset, long rows, long cols) {
        return flat.flatRange(offset, rows * cols).reshape(rows, cols);
    }
}
