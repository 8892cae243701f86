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

    /** One stream of the double blocks (image or text): its buffers and every view of them a block reads. */
    static final class Stream {
        final int tokens;
        final Tensor x, h, tmp, qkv, mod, mlp;
        /** {@code x} and {@code h} as {@code [B, tokens, D]}. */
        final Tensor x3, h3;
        /** (shift1, scale1, gate1, shift2, scale2, gate2) column chunks of the modulation. */
        final Tensor shift1, scale1, gate1, shift2, scale2, gate2;
        /** The q and k columns of the qkv output (2-D), and q, k, v as {@code [B, tokens, D]}. */
        final Tensor q, k;
        final Tensor[] qkv3 = new Tensor[3];
        /** This stream's rows of the joint q, k, v and attention output, as {@code [B, tokens, D]}. */
        final Tensor[] joint3 = new Tensor[3];
        final Tensor attn3;

        private Stream(int batch, int tokens, long d, Tensor x, Tensor h, Tensor tmp, Tensor qkv, Tensor mod, Tensor mlp,
                       Tensor[] jointQkv, Tensor attnJoint, JointPart part) {
            this.tokens = tokens;
            this.x = x;
            this.h = h;
            this.tmp = tmp;
            this.qkv = qkv;
            this.mod = mod;
            this.mlp = mlp;
            x3 = x.reshape(batch, tokens, d);
            h3 = h.reshape(batch, tokens, d);
            shift1 = mod.colRange(0, d);
            scale1 = mod.colRange(d, d);
            gate1 = mod.colRange(2 * d, d);
            shift2 = mod.colRange(3 * d, d);
            scale2 = mod.colRange(4 * d, d);
            gate2 = mod.colRange(5 * d, d);
            q = qkv.colRange(0, d);
            k = qkv.colRange(d, d);
            for (int i = 0; i < 3; i++) {
                qkv3[i] = qkv.view(i * d, new long[] {batch, tokens, d}, new long[] {tokens * 3 * d, 3 * d, 1});
                joint3[i] = part.of(jointQkv[i]);
            }
            attn3 = part.of(attnJoint);
        }
    }

    private interface JointPart {
        Tensor of(Tensor joint);
    }

    /** One batch size's views; names follow the forward pass. */
    final class Views {
        final int batch;
        final Tensor img, txt, vecIn, timeFeatures, guidanceFeatures, embedHidden, embedOut, vec, siluVec;
        final Tensor qJoint, kJoint, vJoint, attnJoint;
        final Stream imgStream, txtStream;
        final Tensor xJoint, hJoint, tmpJoint, modSingle, linear1, attnMlp, modFinal, out;
        /** The text and image rows of {@code xJoint}, as {@code [B, L, D]} and {@code [B, N, D]}. */
        final Tensor xJointText, xJointImage;
        /** Single blocks: (shift, scale, gate); q, k, v and MLP columns of linear1; attention and MLP columns of attnMlp. */
        final Tensor singleShift, singleScale, singleGate, q1, k1, v1, mlp1, attnOut1, mlpOut1;
        /** Final layer: (shift, scale). */
        final Tensor finalShift, finalScale;

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
            xJoint = rows(FluxWorkspace.this.xJoint, bs);
            hJoint = rows(FluxWorkspace.this.hJoint, bs);
            tmpJoint = rows(FluxWorkspace.this.tmpJoint, bs);
            modSingle = rows(FluxWorkspace.this.modSingle, b);
            modFinal = rows(FluxWorkspace.this.modFinal, b);
            out = rows(FluxWorkspace.this.out, (long) b * n);
            linear1 = part(wide, 0, bs, 3 * d + m);
            attnMlp = part(shared, 0, bs, d + m);
            qJoint = part(shared, 0, bs, d);
            kJoint = part(shared, bs * d, bs, d);
            vJoint = part(shared, 2 * bs * d, bs, d);
            attnJoint = part(shared, 3 * bs * d, bs, d);
            Tensor[] jointQkv = {qJoint, kJoint, vJoint};
            imgStream = new Stream(b, n, d, rows(xImg, (long) b * n), rows(hImg, (long) b * n), rows(tmpImg, (long) b * n),
                    rows(qkvImg, (long) b * n), rows(modImg, b), part(wide, 0, (long) b * n, m), jointQkv, attnJoint, this::imagePart);
            txtStream = new Stream(b, l, d, rows(xTxt, (long) b * l), rows(hTxt, (long) b * l), rows(tmpTxt, (long) b * l),
                    rows(qkvTxt, (long) b * l), rows(modTxt, b), part(wide, (long) b * n * m, (long) b * l, m), jointQkv, attnJoint,
                    this::textPart);
            xJointText = textPart(xJoint);
            xJointImage = imagePart(xJoint);
            singleShift = modSingle.colRange(0, d);
            singleScale = modSingle.colRange(d, d);
            singleGate = modSingle.colRange(2 * d, d);
            q1 = linear1.colRange(0, d);
            k1 = linear1.colRange(d, d);
            v1 = linear1.colRange(2 * d, d);
            mlp1 = linear1.colRange(3 * d, m);
            attnOut1 = attnMlp.colRange(0, d);
            mlpOut1 = attnMlp.colRange(d, m);
            finalShift = modFinal.colRange(0, d);
            finalScale = modFinal.colRange(d, d);
        }

        /** The text rows of every item of a joint {@code [B*S, D]} tensor, as {@code [B, L, D]}. */
        private Tensor textPart(Tensor joint) {
            long d = joint.dim(1);
            return joint.view(0, new long[] {batch, l, d}, new long[] {s * d, d, 1});
        }

        /** The image rows of every item of a joint {@code [B*S, D]} tensor, as {@code [B, N, D]}. */
        private Tensor imagePart(Tensor joint) {
            long d = joint.dim(1);
            return joint.view(l * d, new long[] {batch, n, d}, new long[] {s * d, d, 1});
        }
    }

    private static Tensor rows(Tensor t, long rows) {
        return t.rowRange(0, rows);
    }

    private static Tensor part(Tensor flat, long offset, long rows, long cols) {
        return flat.flatRange(offset, rows * cols).reshape(rows, cols);
    }
}
