package flowscale.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.L;
import static flowscale.kernels.cpu.Simd.NATIVE;

/**
 * Sum, sum of squares and maximum of one operand ({@code out}). Float vector accumulators run over
 * blocks of at most {@link #BLOCK} elements and each block's total is added in double, so the error
 * does not grow with the tensor's size; chunks keep a double partial each, combined by the caller.
 */
final class ReductionJob extends SpanJob {
    enum Op { SUM, SUM_SQUARES, MAX }

    private static final int BLOCK = 2048;

    Op op;
    private double[] partials = new double[1];
    /** Per chunk: L floats to fold a vector accumulator in VectorMath's fixed order. */
    private float[][] lanes = new float[1][L];

    /** Sizes the per-chunk partials for a pool of {@code threads} (allocates only when it grows). */
    void ensureChunks(int threads) {
        if (partials.length < threads) partials = new double[threads];
        if (lanes.length < threads) lanes = new float[threads][L];
    }

    @Override
    void begin(int chunk) {
        partials[chunk] = op == Op.MAX ? Double.NEGATIVE_INFINITY : 0.0;
    }

    @Override
    void span(int chunk, long row, long col, long flat, int len) {
        MemorySegment s = out.seg;
        long o = out.at(row, col);
        double acc = partials[chunk];
        for (int start = 0; start < len; start += BLOCK) {
            int n = Math.min(BLOCK, len - start);
            long off = o + (long) start * Float.BYTES;
            switch (op) {
                case SUM -> acc += sum(s, off, n, false, lanes[chunk]);
                case SUM_SQUARES -> acc += sum(s, off, n, true, lanes[chunk]);
                case MAX -> {
                    double m = max(s, off, n);
                    acc = (Double.isNaN(m) || Double.isNaN(acc)) ? Double.NaN : Math.max(acc, m);
                }
            }
        }
        partials[chunk] = acc;
    }

    /** Combines the partials of {@code chunks} chunks after the pool has run this job. */
    double combine(int chunks) {
        double r = op == Op.MAX ? Double.NEGATIVE_INFINITY : 0.0;
        for (int c = 0; c < chunks; c++) {
            double p = partials[c];
            if (op == Op.MAX) r = (Double.isNaN(p) || Double.isNaN(r)) ? Double.NaN : Math.max(r, p);
            else r += p;
        }
        return r;
    }

    private static float sum(MemorySegment s, long off, int n, boolean squares, float[] fold) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int i = 0;
        for (int bound = n - 2 * L; i <= bound; i += 2 * L) {
            FloatVector v0 = FloatVector.fromMemorySegment(F, s, off + (long) i * Float.BYTES, NATIVE);
            FloatVector v1 = FloatVector.fromMemorySegment(F, s, off + (long) (i + L) * Float.BYTES, NATIVE);
            acc0 = squares ? v0.fma(v0, acc0) : acc0.add(v0);
            acc1 = squares ? v1.fma(v1, acc1) : acc1.add(v1);
        }
        for (; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromMemorySegment(F, s, off + (long) i * Float.BYTES, NATIVE, m);
            acc0 = squares ? v.fma(v, acc0) : acc0.add(v);
        }
        acc0.add(acc1).intoArray(fold, 0);
        return VectorMath.sum(fold, 0, L);
    }

    private static double max(MemorySegment s, long off, int n) {
        FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, s, off + (long) i * Float.BYTES, NATIVE);
            acc = acc.max(v);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromMemorySegment(F, s, off + (long) i * Float.BYTES, NATIVE, m);
            acc = acc.max(v.blend(Float.NEGATIVE_INFINITY, m.not()));
        }
        // Vector max follows Math.max (NaN wins); checked explicitly so NaN can never be lost
        boolean nan = acc.test(VectorOperators.IS_NAN).anyTrue();
        return nan ? Double.NaN : acc.reduceLanes(VectorOperators.MAX);
    }
}
