package flowscale.kernels.cpu;

import flowscale.kernels.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

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
                case LAYER_NORM -> layerNorm(x.seg, xo, out.seg, oo);
                case RMS_NORM -> rmsNorm(x.seg, xo, out.seg, oo);
                case MODULATE -> modulate(xo, oo, p.at(r / period, 0), q.at(r / period, 0));
                case GATED_ADD -> gatedAdd(xo, oo, p.at(r / period, 0));
                case ADD_BROADCAST -> addBroadcast(xo, oo, p.at(r % period, 0));
            }
        }
    }

    private static long bytes(int i) {
        return (long) i * Float.BYTES;
    }

    private FloatVector load(MemorySegment s, long off, int i, VectorMask<Float> m) {
        return m == null ? FloatVector.fromMemorySegment(F, s, off + bytes(i), NATIVE)
                : FloatVector.fromMemorySegment(F, s, off + bytes(i), NATIVE, m);
    }

    private void layerNorm(MemorySegment sx, long xo, MemorySegment so, long oo) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < d; i += L) {
            VectorMask<Float> m = i + L <= d ? null : F.indexInRange(i, d);
            acc = acc.add(load(sx, xo, i, m));
        }
        float mean = acc.reduceLanes(VectorOperators.ADD) / d;
        FloatVector vm = FloatVector.broadcast(F, mean);
        FloatVector sq = FloatVector.zero(F);
        for (int i = 0; i < d; i += L) {
            VectorMask<Float> m = i + L <= d ? null : F.indexInRange(i, d);
            FloatVector c = load(sx, xo, i, m).sub(vm);
            if (m != null) c = c.blend(0f, m.not());
            sq = c.fma(c, sq);
        }
        float inv = (float) (1.0 / Math.sqrt(sq.reduceLanes(VectorOperators.ADD) / d + (double) eps));
        normalizeOut(sx, xo, so, oo, mean, inv);
    }

    private void rmsNorm(MemorySegment sx, long xo, MemorySegment so, long oo) {
        FloatVector sq = FloatVector.zero(F);
        for (int i = 0; i < d; i += L) {
            VectorMask<Float> m = i + L <= d ? null : F.indexInRange(i, d);
            FloatVector c = load(sx, xo, i, m);
            sq = c.fma(c, sq);
        }
        float inv = (float) (1.0 / Math.sqrt(sq.reduceLanes(VectorOperators.ADD) / d + (double) eps));
        normalizeOut(sx, xo, so, oo, 0f, inv);
    }

    /** out = (x - mean) * inv * gamma + beta, with gamma in {@code p} and beta in {@code q} when present. */
    private void normalizeOut(MemorySegment sx, long xo, MemorySegment so, long oo, float mean, float inv) {
        FloatVector vm = FloatVector.broadcast(F, mean), vi = FloatVector.broadcast(F, inv);
        for (int i = 0; i < d; i += L) {
            VectorMask<Float> m = i + L <= d ? null : F.indexInRange(i, d);
            FloatVector v = load(sx, xo, i, m).sub(vm).mul(vi);
            if (p.seg != null) v = v.mul(load(p.seg, p.base, i, m));
            if (q.seg != null) v = v.add(load(q.seg, q.base, i, m));
            if (m == null) v.intoMemorySegment(so, oo + bytes(i), NATIVE);
            else v.intoMemorySegment(so, oo + bytes(i), NATIVE, m);
        }
    }

    private void modulate(long xo, long oo, long shiftOff, long scaleOff) {
        for (int i = 0; i < d; i += L) {
            VectorMask<Float> m = i + L <= d ? null : F.indexInRange(i, d);
            FloatVector vx = load(x.seg, xo, i, m);
            FloatVector v = vx.fma(load(q.seg, scaleOff, i, m), vx).add(load(p.seg, shiftOff, i, m));
            if (m == null) v.intoMemorySegment(out.seg, oo + bytes(i), NATIVE);
            else v.intoMemorySegment(out.seg, oo + bytes(i), NATIVE, m);
        }
    }

    private void gatedAdd(long yo, long ro, long gateOff) {
        for (int i = 0; i < d; i += L) {
            VectorMask<Float> m = i + L <= d ? null : F.indexInRange(i, d);
            FloatVector v = load(p.seg, gateOff, i, m).fma(load(x.seg, yo, i, m), load(out.seg, ro, i, m));
            if (m == null) v.intoMemorySegment(out.seg, ro + bytes(i), NATIVE);
            else v.intoMemorySegment(out.seg, ro + bytes(i), NATIVE, m);
        }
    }

    private void addBroadcast(long xo, long oo, long yOff) {
        for (int i = 0; i < d; i += L) {
            VectorMask<Float> m = i + L <= d ? null : F.indexInRange(i, d);
            FloatVector v = load(x.seg, xo, i, m).add(load(p.seg, yOff, i, m));
            if (m == null) v.intoMemorySegment(out.seg, oo + bytes(i), NATIVE);
            else v.intoMemorySegment(out.seg, oo + bytes(i), NATIVE, m);
        }
    }
}
