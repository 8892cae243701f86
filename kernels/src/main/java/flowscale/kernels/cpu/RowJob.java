package flowscale.kernels.cpu;

import flowscale.kernels.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.L;
import static flowscale.kernels.cpu.Simd.NATIVE;

/**
 * Row-wise kernels over {@code x[rows, d]}: the two normalisations and the adaLN / broadcast ops whose
 * second operand is indexed by a function of the row. Chunks own contiguous row ranges.
 */
final class RowJob implements WorkerPool.Job {
    enum Op {
        /** out = (x - mean) / sqrt(var + eps) * p + q; p, q per column or absent. */
        LAYER_NORM,
        /** out = x / sqrt(mean(x^2) + eps) * p; p per column or absent. */
        RMS_NORM,
        /** out = x * (1 + q[r / T]) + p[r / T]  (p = shift, q = scale). */
        MODULATE,
        /** out += p[r / T] * x  (out = residual, x = y, p = gate). */
        GATED_ADD,
        /** out = x + p[r mod P]. */
        ADD_BROADCAST
    }

    final Operand x = new Operand(), out = new Operand(), p = new Operand(), q = new Operand();
    Op op;
    int rows, d;
    /** T for modulate/gatedAdd, P for addBroadcastRows. */
    int period;
    float eps;
    /** Per chunk: L floats to fold a vector accumulator in VectorMath's fixed order. */
    private float[][] lanes = new float[0][];

    /** Sizes the per-chunk scratch for a pool of {@code threads} (allocates only when it grows). */
    void ensureChunks(int threads) {
        if (lanes.length < threads) {
            float[][] grown = new float[threads][];
            for (int i = 0; i < threads; i++) grown[i] = i < lanes.length ? lanes[i] : new float[L];
            lanes = grown;
        }
    }

    /** Binds {@code t} as a {@code [rows, d]} matrix: a 2-D view with unit columns, or contiguous of that size. */
    static void bindMatrix(CpuBackend mem, Operand op, Tensor t, long rows, long d, String what) {
        if (t.rank() == 2 && t.dim(0) == rows && t.dim(1) == d && t.stride(1) == 1) {
            op.set(mem.host(t), t.offset(), t.stride(0));
        } else if (Simd.contiguous(t) && t.size() == rows * d) {
            op.set(mem.host(t), t.offset(), d);
        } else {
            throw new IllegalArgumentException(what + " must be [" + rows + ", " + d + "], got " + t);
        }
    }

    /** Binds an optional per-column vector of length {@code d} (null clears the operand). */
    static void bindVector(CpuBackend mem, Operand op, Tensor t, long d, String what) {
        if (t == null) {
            op.clear();
            return;
        }
        if (t.size() != d || !(Simd.contiguous(t) || (t.rank() == 2 && t.stride(1) == 1 && t.dim(0) == 1))) {
            throw new IllegalArgumentException(what + " must hold " + d + " contiguous floats, got " + t);
        }
        op.set(mem.host(t), t.offset(), 0);
    }

    int chunksFor(int threads, long grain) {
        long work = (long) rows * d;
        return (int) Math.max(1, Math.min(Math.min(threads, rows), work / grain));
    }

    @Override
    public void run(int chunk, int chunks) {
        int lo = (int) ((long) rows * chunk / chunks), hi = (int) ((long) rows * (chunk + 1) / chunks);
        for (int r = lo; r < hi; r++) {
            long xo = x.at(r, 0), oo = out.at(r, 0);
            switch (op) {
                case LAYER_NORM -> layerNorm(x.seg, xo, out.seg, oo, lanes[chunk]);
                case RMS_NORM -> rmsNorm(x.seg, xo, out.seg, oo, lanes[chunk]);
                case MODULATE -> modulate(xo, oo, p.at(r / period, 0), q.at(r / period, 0));
                case GATED_ADD -> gatedAdd(xo, oo, p.at(r / period, 0));
                case ADD_BROADCAST -> addBroadcast(xo, oo, p.at(r % period, 0));
            }
        }
    }

    private static long bytes(int i) {
        return (long) i * Float.BYTES;
    }

    // Each kernel below keeps all its vectors as locals and writes the masked tail out in full: a vector
    // passed to or returned from a call that C2 declines to inline would be boxed on the heap. Row sums
    // leave their accumulator in the chunk's {@code fold} array for VectorMath.sum for the same reason.

    private void layerNorm(MemorySegment sx, long xo, MemorySegment so, long oo, float[] fold) {
        int body = F.loopBound(d);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < body; i += L) acc = acc.add(FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE));
        if (i < d) acc = acc.add(FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE, F.indexInRange(i, d)));
        acc.intoArray(fold, 0);
        float mean = VectorMath.sum(fold, 0, L) / d;
        FloatVector sq = FloatVector.zero(F);
        for (i = 0; i < body; i += L) {
            FloatVector c = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE).sub(mean);
            sq = c.fma(c, sq);
        }
        if (i < d) {
            VectorMask<Float> m = F.indexInRange(i, d);
            FloatVector c = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE, m).sub(mean).blend(0f, m.not());
            sq = c.fma(c, sq);
        }
        sq.intoArray(fold, 0);
        float inv = (float) (1.0 / Math.sqrt(VectorMath.sum(fold, 0, L) / d + (double) eps));
        normalizeOut(sx, xo, so, oo, mean, inv);
    }

    private void rmsNorm(MemorySegment sx, long xo, MemorySegment so, long oo, float[] fold) {
        FloatVector sq = FloatVector.zero(F);
        int i = 0;
        for (int body = F.loopBound(d); i < body; i += L) {
            FloatVector c = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE);
            sq = c.fma(c, sq);
        }
        if (i < d) {
            FloatVector c = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE, F.indexInRange(i, d));
            sq = c.fma(c, sq);
        }
        sq.intoArray(fold, 0);
        float inv = (float) (1.0 / Math.sqrt(VectorMath.sum(fold, 0, L) / d + (double) eps));
        normalizeOut(sx, xo, so, oo, 0f, inv);
    }

    /** out = (x - mean) * inv * gamma + beta, with gamma in {@code p} and beta in {@code q} when present. */
    private void normalizeOut(MemorySegment sx, long xo, MemorySegment so, long oo, float mean, float inv) {
        MemorySegment gs = p.seg, bs = q.seg;
        long go = p.base, bo = q.base;
        int i = 0;
        for (int body = F.loopBound(d); i < body; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE).sub(mean).mul(inv);
            if (gs != null) v = v.mul(FloatVector.fromMemorySegment(F, gs, go + bytes(i), NATIVE));
            if (bs != null) v = v.add(FloatVector.fromMemorySegment(F, bs, bo + bytes(i), NATIVE));
            v.intoMemorySegment(so, oo + bytes(i), NATIVE);
        }
        if (i < d) {
            VectorMask<Float> m = F.indexInRange(i, d);
            FloatVector v = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE, m).sub(mean).mul(inv);
            if (gs != null) v = v.mul(FloatVector.fromMemorySegment(F, gs, go + bytes(i), NATIVE, m));
            if (bs != null) v = v.add(FloatVector.fromMemorySegment(F, bs, bo + bytes(i), NATIVE, m));
            v.intoMemorySegment(so, oo + bytes(i), NATIVE, m);
        }
    }

    /** out = x * (1 + scale) + shift = x * scale + x + shift. */
    private void modulate(long xo, long oo, long shiftOff, long scaleOff) {
        MemorySegment sx = x.seg, so = out.seg, sh = p.seg, sc = q.seg;
        int i = 0;
        for (int body = F.loopBound(d); i < body; i += L) {
            FloatVector vx = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE);
            FloatVector vs = FloatVector.fromMemorySegment(F, sc, scaleOff + bytes(i), NATIVE);
            FloatVector vh = FloatVector.fromMemorySegment(F, sh, shiftOff + bytes(i), NATIVE);
            vx.fma(vs, vx).add(vh).intoMemorySegment(so, oo + bytes(i), NATIVE);
        }
        if (i < d) {
            VectorMask<Float> m = F.indexInRange(i, d);
            FloatVector vx = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE, m);
            FloatVector vs = FloatVector.fromMemorySegment(F, sc, scaleOff + bytes(i), NATIVE, m);
            FloatVector vh = FloatVector.fromMemorySegment(F, sh, shiftOff + bytes(i), NATIVE, m);
            vx.fma(vs, vx).add(vh).intoMemorySegment(so, oo + bytes(i), NATIVE, m);
        }
    }

    /** residual += gate * y (x holds y, out the residual). */
    private void gatedAdd(long yo, long ro, long gateOff) {
        MemorySegment sy = x.seg, sr = out.seg, sg = p.seg;
        int i = 0;
        for (int body = F.loopBound(d); i < body; i += L) {
            FloatVector g = FloatVector.fromMemorySegment(F, sg, gateOff + bytes(i), NATIVE);
            FloatVector y = FloatVector.fromMemorySegment(F, sy, yo + bytes(i), NATIVE);
            FloatVector r = FloatVector.fromMemorySegment(F, sr, ro + bytes(i), NATIVE);
            g.fma(y, r).intoMemorySegment(sr, ro + bytes(i), NATIVE);
        }
        if (i < d) {
            VectorMask<Float> m = F.indexInRange(i, d);
            FloatVector g = FloatVector.fromMemorySegment(F, sg, gateOff + bytes(i), NATIVE, m);
            FloatVector y = FloatVector.fromMemorySegment(F, sy, yo + bytes(i), NATIVE, m);
            FloatVector r = FloatVector.fromMemorySegment(F, sr, ro + bytes(i), NATIVE, m);
            g.fma(y, r).intoMemorySegment(sr, ro + bytes(i), NATIVE, m);
        }
    }

    private void addBroadcast(long xo, long oo, long yOff) {
        MemorySegment sx = x.seg, so = out.seg, sy = p.seg;
        int i = 0;
        for (int body = F.loopBound(d); i < body; i += L) {
            FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE)
                    .add(FloatVector.fromMemorySegment(F, sy, yOff + bytes(i), NATIVE))
                    .intoMemorySegment(so, oo + bytes(i), NATIVE);
        }
        if (i < d) {
            VectorMask<Float> m = F.indexInRange(i, d);
            FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE, m)
                    .add(FloatVector.fromMemorySegment(F, sy, yOff + bytes(i), NATIVE, m))
                    .intoMemorySegment(so, oo + bytes(i), NATIVE, m);
        }
    }
}
