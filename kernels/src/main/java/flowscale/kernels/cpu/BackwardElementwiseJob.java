package flowscale.kernels.cpu;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.L;
import static flowscale.kernels.cpu.Simd.NATIVE;

/**
 * Element-wise kernels of training: the activation gradients, in-place scaling and the AdamW step.
 * Operands follow {@link SpanJob}: {@code out} first, then {@code x}, {@code y}, {@code z}.
 */
final class BackwardElementwiseJob extends StagedSpanJob {
    enum Op {
        /** out = y * gelu'(x) with s = sigmoid(2u): gelu' = s (1 + 2 x (1 - s) (c + 3 c a x^2)). */
        GELU_BACKWARD,
        /** out = y * s (1 + x (1 - s)), s = sigmoid(x). */
        SILU_BACKWARD,
        /** out = a * out. */
        SCALE,
        /**
         * AdamW with out = param, x = grad, y = m, z = v, a = beta1, b = beta2, and the folded step
         * scalars {@code decay}, {@code stepSize}, {@code rootCorrection2Inverse}, {@code eps}.
         */
        ADAMW
    }

    Op op;
    float a, b;
    float decay, stepSize, rootCorrection2Inverse, eps;

    @Override
    void span(int chunk, long row, long col, long flat, int len) {
        long o = out.at(row, col);
        switch (op) {
            case GELU_BACKWARD -> geluBackward(x.seg, x.at(row, col), y.seg, y.at(row, col), out.seg, o, len, stage(chunk));
            case SILU_BACKWARD -> siluBackward(x.seg, x.at(row, col), y.seg, y.at(row, col), out.seg, o, len, stage(chunk));
            case SCALE -> scale(a, out.seg, o, len);
            case ADAMW -> adamw(out.seg, o, x.seg, x.at(row, col), y.seg, y.at(row, col), z.seg, z.at(row, col), len);
        }
    }

    // Bodies run full vectors; the tail (< one vector) runs the same formula on scalars. That keeps each
    // kernel small enough for C1 and C2 to compile early (a masked vector tail doubles the live vectors
    // of the AdamW step, which C1 cannot register-allocate), so warm-up is short and nothing is boxed.

    // The activation gradients go through the staging array in blocks: arguments of the exponential in,
    // VectorMath.exp in place, gradients out. Tails repeat the vector operations on scalars in the same
    // order, so an element gets the same bits in the body or the tail. dx may alias dy or x: each element
    // is read before the same element of dx is written.

    private static void geluBackward(MemorySegment sx, long xo, MemorySegment sd, long dO, MemorySegment so, long o,
                                     int len, float[] e) {
        for (int s = 0; s < len; s += STAGE) {
            int n = Math.min(STAGE, len - s);
            long xs = xo + bytes(s), ds = dO + bytes(s), os = o + bytes(s);
            expMinusTwoU(sx, xs, n, e);
            int i = 0;
            for (int bound = F.loopBound(n); i < bound; i += L) {
                FloatVector v = FloatVector.fromMemorySegment(F, sx, xs + bytes(i), NATIVE);
                FloatVector g = FloatVector.fromMemorySegment(F, sd, ds + bytes(i), NATIVE);
                FloatVector sig = FloatVector.broadcast(F, 1f).div(FloatVector.fromArray(F, e, i).add(1f));
                FloatVector inner = v.mul(v).mul(3f * GELU_C3).add(GELU_C).mul(v).mul(sig.neg().add(1f)).mul(2f).add(1f);
                g.mul(sig).mul(inner).intoMemorySegment(so, os + bytes(i), NATIVE);
            }
            for (; i < n; i++) {
                float v = sx.get(Simd.FLOAT, xs + bytes(i));
                float sig = 1f / (e[i] + 1f);
                float inner = (v * v * (3f * GELU_C3) + GELU_C) * v * (-sig + 1f) * 2f + 1f;
                so.set(Simd.FLOAT, os + bytes(i), sd.get(Simd.FLOAT, ds + bytes(i)) * sig * inner);
            }
        }
    }

    private static void siluBackward(MemorySegment sx, long xo, MemorySegment sd, long dO, MemorySegment so, long o,
                                     int len, float[] e) {
        for (int s = 0; s < len; s += STAGE) {
            int n = Math.min(STAGE, len - s);
            long xs = xo + bytes(s), ds = dO + bytes(s), os = o + bytes(s);
            expMinusX(sx, xs, n, e);
            int i = 0;
            for (int bound = F.loopBound(n); i < bound; i += L) {
                FloatVector v = FloatVector.fromMemorySegment(F, sx, xs + bytes(i), NATIVE);
                FloatVector g = FloatVector.fromMemorySegment(F, sd, ds + bytes(i), NATIVE);
                FloatVector sig = FloatVector.broadcast(F, 1f).div(FloatVector.fromArray(F, e, i).add(1f));
                g.mul(sig).mul(sig.neg().add(1f).mul(v).add(1f)).intoMemorySegment(so, os + bytes(i), NATIVE);
            }
            for (; i < n; i++) {
                float v = sx.get(Simd.FLOAT, xs + bytes(i));
                float sig = 1f / (e[i] + 1f);
                so.set(Simd.FLOAT, os + bytes(i), sd.get(Simd.FLOAT, ds + bytes(i)) * sig * ((-sig + 1f) * v + 1f));
            }
        }
    }

    private static void scale(float alpha, MemorySegment so, long o, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromMemorySegment(F, so, o + bytes(i), NATIVE).mul(alpha).intoMemorySegment(so, o + bytes(i), NATIVE);
        }
        for (; i < n; i++) so.set(Simd.FLOAT, o + bytes(i), so.get(Simd.FLOAT, o + bytes(i)) * alpha);
    }

    private void adamw(MemorySegment sp, long po, MemorySegment sg, long go, MemorySegment sm, long mo,
                       MemorySegment sv, long vo, int n) {
        float b1 = a, b2 = b, oneMinusB1 = 1f - a, oneMinusB2 = 1f - b;
        float dec = decay, step = stepSize, rc2 = rootCorrection2Inverse, e = eps;
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector g = FloatVector.fromMemorySegment(F, sg, go + bytes(i), NATIVE);
            FloatVector m = FloatVector.fromMemorySegment(F, sm, mo + bytes(i), NATIVE).mul(b1).add(g.mul(oneMinusB1));
            FloatVector v = FloatVector.fromMemorySegment(F, sv, vo + bytes(i), NATIVE).mul(b2).add(g.mul(g).mul(oneMinusB2));
            m.intoMemorySegment(sm, mo + bytes(i), NATIVE);
            v.intoMemorySegment(sv, vo + bytes(i), NATIVE);
            FloatVector p = FloatVector.fromMemorySegment(F, sp, po + bytes(i), NATIVE).mul(dec);
            p.sub(m.mul(step).div(v.sqrt().mul(rc2).add(e))).intoMemorySegment(sp, po + bytes(i), NATIVE);
        }
        for (; i < n; i++) {
            float g = sg.get(Simd.FLOAT, go + bytes(i));
            float m = sm.get(Simd.FLOAT, mo + bytes(i)) * b1 + g * oneMinusB1;
            float v = sv.get(Simd.FLOAT, vo + bytes(i)) * b2 + g * g * oneMinusB2;
            sm.set(Simd.FLOAT, mo + bytes(i), m);
            sv.set(Simd.FLOAT, vo + bytes(i), v);
            float p = sp.get(Simd.FLOAT, po + bytes(i)) * dec;
            sp.set(Simd.FLOAT, po + bytes(i), p - m * step / ((float) Math.sqrt(v) * rc2 + e));
        }
    }
}
