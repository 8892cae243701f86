package flowscale.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.L;
import static flowscale.kernels.cpu.Simd.NATIVE;

/**
 * The fused element-wise kernels: one pass over memory, full vectors in the body and one masked vector
 * at the tail of each span (the activations: see below). Operands: {@code out}, then {@code x}, {@code y},
 * {@code z} as the op needs.
 */
final class ElementwiseJob extends StagedSpanJob {
    enum Op {
        /** out = x / (1 + exp(-2u)), u = sqrt(2/pi) (x + 0.044715 x^3): the tanh-form GELU, since 0.5 (1 + tanh u) = sigmoid(2u). */
        GELU,
        /** out = x / (1 + exp(-x)). */
        SILU,
        /** out = a x + b y (also the Tweedie estimate with a = -sigmaDot/d, b = sigma/d). */
        AXPBY,
        /** out = x + a f + b z with a = -dt, b = g sqrt(dt); z absent when b == 0. */
        SDE,
        /** out = a. */
        FILL,
        /** out = x / (1 + exp(-1.702 x)): CLIP's quick GELU, x sigmoid(1.702 x). */
        QUICK_GELU,
        /** out = x y (the gate of a gated feed-forward). */
        MULTIPLY
    }

    Op op;
    float a, b;

    @Override
    void span(int chunk, long row, long col, long flat, int len) {
        long o = out.at(row, col);
        MemorySegment so = out.seg;
        switch (op) {
            case GELU -> gelu(x.seg, x.at(row, col), so, o, len, stage(chunk));
            case SILU -> silu(x.seg, x.at(row, col), so, o, len, stage(chunk));
            case AXPBY -> axpby(a, x.seg, x.at(row, col), b, y.seg, y.at(row, col), so, o, len);
            case SDE -> {
                if (z.seg == null) axpby(1f, x.seg, x.at(row, col), a, y.seg, y.at(row, col), so, o, len);
                else sde(x.seg, x.at(row, col), a, y.seg, y.at(row, col), b, z.seg, z.at(row, col), so, o, len);
            }
            case FILL -> fill(a, so, o, len);
            case QUICK_GELU -> quickGelu(x.seg, x.at(row, col), so, o, len, stage(chunk));
            case MULTIPLY -> multiply(x.seg, x.at(row, col), y.seg, y.at(row, col), so, o, len);
        }
    }

    // GELU and SiLU go through the staging array in blocks: arguments of the exponential in, VectorMath.exp
    // in place, results out. Their tails (< one vector) run the same float operations on scalars in the
    // same order, so an element gets the same bits whichever part of a block it falls in. The output may
    // alias x: each element of x is read before the same element of out is written.

    private static void gelu(MemorySegment sx, long xo, MemorySegment so, long o, int len, float[] e) {
        for (int s = 0; s < len; s += STAGE) {
            int n = Math.min(STAGE, len - s);
            long xs = xo + bytes(s), os = o + bytes(s);
            expMinusTwoU(sx, xs, n, e);
            divideByOnePlus(sx, xs, so, os, n, e);
        }
    }

    private static void silu(MemorySegment sx, long xo, MemorySegment so, long o, int len, float[] e) {
        for (int s = 0; s < len; s += STAGE) {
            int n = Math.min(STAGE, len - s);
            long xs = xo + bytes(s), os = o + bytes(s);
            expMinusX(sx, xs, n, e);
            divideByOnePlus(sx, xs, so, os, n, e);
        }
    }

    /** The slope of CLIP's quick GELU, as a float like the reference implementation's constant. */
    private static final float QUICK_GELU_SLOPE = 1.702f;

    /** As {@link #silu} with the exponential's argument scaled by -1.702 instead of -1. */
    private static void quickGelu(MemorySegment sx, long xo, MemorySegment so, long o, int len, float[] e) {
        for (int s = 0; s < len; s += STAGE) {
            int n = Math.min(STAGE, len - s);
            long xs = xo + bytes(s), os = o + bytes(s);
            int i = 0;
            for (int bound = F.loopBound(n); i < bound; i += L) {
                FloatVector.fromMemorySegment(F, sx, xs + bytes(i), NATIVE).mul(-QUICK_GELU_SLOPE).intoArray(e, i);
            }
            for (; i < n; i++) e[i] = sx.get(Simd.FLOAT, xs + bytes(i)) * -QUICK_GELU_SLOPE;
            VectorMath.exp(e, 0, n, 0f);
            divideByOnePlus(sx, xs, so, os, n, e);
        }
    }

    /**
     * {@code out = x / (1 + e)} over one staged chunk, {@code e} holding the exponentials: the common end of GELU
     * (e = exp(-2u)), SiLU (e = exp(-x)) and quick GELU (e = exp(-1.702 x)).
     */
    private static void divideByOnePlus(MemorySegment sx, long xs, MemorySegment so, long os, int n, float[] e) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, sx, xs + bytes(i), NATIVE);
            v.div(FloatVector.fromArray(F, e, i).add(1f)).intoMemorySegment(so, os + bytes(i), NATIVE);
        }
        for (; i < n; i++) so.set(Simd.FLOAT, os + bytes(i), sx.get(Simd.FLOAT, xs + bytes(i)) / (e[i] + 1f));
    }

    private static void multiply(MemorySegment sx, long xo, MemorySegment sy, long yo, MemorySegment so, long o, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector vx = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE);
            vx.mul(FloatVector.fromMemorySegment(F, sy, yo + bytes(i), NATIVE)).intoMemorySegment(so, o + bytes(i), NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector vx = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE, m);
            vx.mul(FloatVector.fromMemorySegment(F, sy, yo + bytes(i), NATIVE, m)).intoMemorySegment(so, o + bytes(i), NATIVE, m);
        }
    }

    private static void axpby(float a, MemorySegment sx, long xo, float b, MemorySegment sy, long yo,
                              MemorySegment so, long o, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector vx = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE);
            FloatVector vy = FloatVector.fromMemorySegment(F, sy, yo + bytes(i), NATIVE);
            vx.mul(a).add(vy.mul(b)).intoMemorySegment(so, o + bytes(i), NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector vx = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE, m);
            FloatVector vy = FloatVector.fromMemorySegment(F, sy, yo + bytes(i), NATIVE, m);
            vx.mul(a).add(vy.mul(b)).intoMemorySegment(so, o + bytes(i), NATIVE, m);
        }
    }

    private static void sde(MemorySegment sx, long xo, float a, MemorySegment sf, long fo, float b,
                            MemorySegment sz, long zo, MemorySegment so, long o, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector vx = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE);
            FloatVector vf = FloatVector.fromMemorySegment(F, sf, fo + bytes(i), NATIVE);
            FloatVector vz = FloatVector.fromMemorySegment(F, sz, zo + bytes(i), NATIVE);
            vf.mul(a).add(vx).add(vz.mul(b)).intoMemorySegment(so, o + bytes(i), NATIVE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector vx = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE, m);
            FloatVector vf = FloatVector.fromMemorySegment(F, sf, fo + bytes(i), NATIVE, m);
            FloatVector vz = FloatVector.fromMemorySegment(F, sz, zo + bytes(i), NATIVE, m);
            vf.mul(a).add(vx).add(vz.mul(b)).intoMemorySegment(so, o + bytes(i), NATIVE, m);
        }
    }

    private static void fill(float value, MemorySegment so, long o, int n) {
        FloatVector v = FloatVector.broadcast(F, value);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) v.intoMemorySegment(so, o + bytes(i), NATIVE);
        if (i < n) v.intoMemorySegment(so, o + bytes(i), NATIVE, F.indexInRange(i, n));
    }
}
