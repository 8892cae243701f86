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
final class BackwardElementwiseJob extends SpanJob {
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

    private static final float GELU_C = (float) Math.sqrt(2.0 / Math.PI);
    private static final float GELU_C3 = (float) (Math.sqrt(2.0 / Math.PI) * 0.044715);

    Op op;
    float a, b;
    float decay, stepSize, rootCorrection2Inverse, eps;

    @Override
    void span(int chunk, long row, long col, long flat, int len) {
        long o = out.at(row, col);
        switch (op) {
            case GELU_BACKWARD -> geluBackward(x.seg, x.at(row, col), y.seg, y.at(row, col), out.seg, o, len);
            case SILU_BACKWARD -> siluBackward(x.seg, x.at(row, col), y.seg, y.at(row, col), out.seg, o, len);
            case SCALE -> scale(a, out.seg, o, len);
            case ADAMW -> adamw(out.seg, o, x.seg, x.at(row, col), y.seg, y.at(row, col), z.seg, z.at(row, col), len);
        }
    }

    private static long bytes(int i) {
        return (long) i * Float.BYTES;
    }

    // Bodies run full vectors; the tail (< one vector) runs the same formula on scalars. That keeps each
    // kernel small enough for C1 and C2 to compile early (a masked vector tail doubles the live vectors
    // of the AdamW step, which C1 cannot register-allocate), so warm-up is short and nothing is boxed.

    private static void geluBackward(MemorySegment sx, long xo, MemorySegment sd, long dO, MemorySegment so, long o, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE);
            FloatVector g = FloatVector.fromMemorySegment(F, sd, dO + bytes(i), NATIVE);
            FloatVector v2 = v.mul(v);
            FloatVector e = VectorMath.exp(v2.mul(-2f * GELU_C3).add(-2f * GELU_C).mul(v));
            FloatVector s = FloatVector.broadcast(F, 1f).div(e.add(1f));
            FloatVector inner = v2.mul(3f * GELU_C3).add(GELU_C).mul(v).mul(s.neg().add(1f)).mul(2f).add(1f);
            g.mul(s).mul(inner).intoMemorySegment(so, o + bytes(i), NATIVE);
        }
        // The tail repeats the body's float operations in the body's order: an element gets the same bits
        // whether it falls in a vector or in the tail.
        for (; i < n; i++) {
            float v = sx.get(Simd.FLOAT, xo + bytes(i));
            float v2 = v * v;
            float e = VectorMath.exp((v2 * (-2f * GELU_C3) + (-2f * GELU_C)) * v);
            float s = 1f / (e + 1f);
            float inner = (v2 * (3f * GELU_C3) + GELU_C) * v * (-s + 1f) * 2f + 1f;
            so.set(Simd.FLOAT, o + bytes(i), sd.get(Simd.FLOAT, dO + bytes(i)) * s * inner);
        }
    }

    private static void siluBackward(MemorySegment sx, long xo, MemorySegment sd, long dO, MemorySegment so, long o, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, sx, xo + bytes(i), NATIVE);
            FloatVector g = FloatVector.fromMemorySegment(F, sd, dO + bytes(i), NATIVE);
            FloatVector s = FloatVector.broadcast(F, 1f).div(VectorMath.exp(v.neg()).add(1f));
            g.mul(s).mul(s.neg().add(1f).mul(v).add(1f)).intoMemorySegment(so, o + bytes(i), NATIVE);
        }
        for (; i < n; i++) {
            float v = sx.get(Simd.FLOAT, xo + bytes(i));
            float s = 1f / (VectorMath.exp(-v) + 1f);
            so.set(Simd.FLOAT, o + bytes(i), sd.get(Simd.FLOAT, dO + bytes(i)) * s * ((-s + 1f) * v + 1f));
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
