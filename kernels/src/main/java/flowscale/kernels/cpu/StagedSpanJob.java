package flowscale.kernels.cpu;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.L;
import static flowscale.kernels.cpu.Simd.NATIVE;

/**
 * An element-wise job whose kernels pass through {@link VectorMath#exp} on arrays (the GELU and SiLU families,
 * forward and backward): one staging array per chunk, sized once per pool, and the tanh-GELU constants both
 * directions use.
 */
abstract class StagedSpanJob extends SpanJob {
    /** sqrt(2 / pi) and 0.044715 sqrt(2 / pi): GELU's tanh argument is {@code u = C x + C3 x^3}. */
    static final float GELU_C = (float) Math.sqrt(2.0 / Math.PI);
    static final float GELU_C3 = (float) (Math.sqrt(2.0 / Math.PI) * 0.044715);

    /** Elements per pass through the exponential (4 KB of staging: stays in L1). */
    static final int STAGE = 1024;

    /** Per chunk: the exponential's arguments, then its results (VectorMath works on arrays, see there). */
    private float[][] stage = new float[0][];

    /** Sizes the per-chunk staging for a pool of {@code threads} (allocates only when it grows). */
    final void ensureChunks(int threads) {
        if (stage.length < threads) {
            float[][] grown = new float[threads][];
            for (int i = 0; i < threads; i++) grown[i] = i < stage.length ? stage[i] : new float[STAGE];
            stage = grown;
        }
    }

    /** The staging array of {@code chunk}. */
    final float[] stage(int chunk) {
        return stage[chunk];
    }

    /** {@code e[i] = exp(-2u)} of GELU's tanh argument {@code u} for the {@code n} floats at {@code xs}. */
    static void expMinusTwoU(MemorySegment sx, long xs, int n, float[] e) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, sx, xs + bytes(i), NATIVE);
            v.mul(v).mul(-2f * GELU_C3).add(-2f * GELU_C).mul(v).intoArray(e, i); // -2u
        }
        for (; i < n; i++) {
            float v = sx.get(Simd.FLOAT, xs + bytes(i));
            e[i] = (v * v * (-2f * GELU_C3) + (-2f * GELU_C)) * v;
        }
        VectorMath.exp(e, 0, n, 0f);
    }

    /** {@code e[i] = exp(-x[i])} for the {@code n} floats at {@code xs} (SiLU's sigmoid). */
    static void expMinusX(MemorySegment sx, long xs, int n, float[] e) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromMemorySegment(F, sx, xs + bytes(i), NATIVE).neg().intoArray(e, i);
        }
        for (; i < n; i++) e[i] = -sx.get(Simd.FLOAT, xs + bytes(i));
        VectorMath.exp(e, 0, n, 0f);
    }

    static long bytes(int i) {
        return (long) i * Float.BYTES;
    }
}
