package flowscale.kernels.cpu;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.FLOAT;
import static flowscale.kernels.cpu.Simd.L;
import static flowscale.kernels.cpu.Simd.NATIVE;

/**
 * Backward kernels whose outputs are sums over rows (bias, gate, shift, scale and position-table
 * gradients). Chunks own contiguous column ranges, so no two threads ever add into the same output and
 * no partial sums need combining; within a chunk the rows are walked in order (cache-friendly) with one
 * accumulator per column in the chunk's scratch: double for the sums over all rows (bias and position
 * gradients), float vectors for the per-item sums of the adaLN gradients.
 */
final class ColumnReductionJob implements WorkerPool.Job {
    enum Op {
        /** p[j] (+)= sum_r x[r, j]  ({@code accumulate} selects +=). */
        SUM_ROWS,
        /** p[r mod P, j] (+)= sum x[r, j]  (period = P). */
        BROADCAST_BACKWARD,
        /**
         * modulate backward, x = dy, y = x, q = scale: out = dy (1 + q[b]), p[b] += sum dy (dshift),
         * s[b] += sum dy * x (dscale); period = tokens per item.
         */
        MODULATE_BACKWARD,
        /** gatedAdd backward, x = dres, y = y, q = gate: out = q[b] * dres, p[b] += sum dres * y (dgate). */
        GATED_ADD_BACKWARD
    }

    final Operand x = new Operand(), y = new Operand(), out = new Operand(), p = new Operand(), q = new Operand(),
            s = new Operand();
    Op op;
    int rows, d, period;
    boolean accumulate;
    private double[][] scratch = new double[0][];
    private float[][] floatScratch = new float[0][];

    void ensureChunks(int chunks) {
        if (scratch.length < chunks) scratch = new double[chunks][0];
        if (floatScratch.length < chunks) floatScratch = new float[chunks][0];
    }

    /** Chunks worth running: never more than the columns, and only when there is enough work. */
    int chunksFor(int threads, long grain) {
        long work = (long) rows * d;
        return (int) Math.max(1, Math.min(Math.min(threads, d), work / grain));
    }

    @Override
    public void run(int chunk, int chunks) {
        int lo = (int) ((long) d * chunk / chunks), hi = (int) ((long) d * (chunk + 1) / chunks);
        int width = hi - lo;
        if (width == 0) return;
        switch (op) {
            case SUM_ROWS -> sumRows(lo, width, doubleScratch(chunk, width));
            case BROADCAST_BACKWARD -> broadcast(lo, width, doubleScratch(chunk, width));
            case MODULATE_BACKWARD, GATED_ADD_BACKWARD -> perItem(lo, width, floatScratch(chunk, width));
        }
    }

    private double[] doubleScratch(int chunk, int width) {
        if (scratch[chunk].length < 2 * width) scratch[chunk] = new double[2 * width];
        return scratch[chunk];
    }

    private float[] floatScratch(int chunk, int width) {
        if (floatScratch[chunk].length < 2 * width) floatScratch[chunk] = new float[2 * width];
        return floatScratch[chunk];
    }

    private void sumRows(int lo, int width, double[] acc) {
        java.util.Arrays.fill(acc, 0, width, 0.0);
        MemorySegment sx = x.seg;
        for (int r = 0; r < rows; r++) {
            long xo = x.at(r, lo);
            for (int j = 0; j < width; j++) acc[j] += sx.get(FLOAT, xo + (long) j * Float.BYTES);
        }
        store(p, 0, lo, width, acc, 0, accumulate);
    }

    private void broadcast(int lo, int width, double[] acc) {
        MemorySegment sx = x.seg;
        for (int row = 0; row < period; row++) {
            java.util.Arrays.fill(acc, 0, width, 0.0);
            for (int r = row; r < rows; r += period) {
                long xo = x.at(r, lo);
                for (int j = 0; j < width; j++) acc[j] += sx.get(FLOAT, xo + (long) j * Float.BYTES);
            }
            store(p, row, lo, width, acc, 0, accumulate);
        }
    }

    /**
     * modulate and gatedAdd backward: per item, the input gradient row by row and the sums over its
     * tokens, vectorised along the chunk's columns with float sums in the chunk's scratch (a sum over one
     * item's tokens; the double accumulators above serve the long sums over all rows).
     */
    private void perItem(int lo, int width, float[] acc) {
        boolean modulate = op == Op.MODULATE_BACKWARD;
        MemorySegment sx = x.seg, sy = y.seg, so = out.seg, sq = q.seg;
        int items = rows / period;
        int body = F.loopBound(width);
        for (int b = 0; b < items; b++) {
            java.util.Arrays.fill(acc, 0, 2 * width, 0f);
            long qo = q.at(b, lo);
            for (int t = 0; t < period; t++) {
                int r = b * period + t;
                long xo = x.at(r, lo), yo = y.at(r, lo), oo = out.at(r, lo);
                int j = 0;
                for (; j < body; j += L) {
                    long off = (long) j * Float.BYTES;
                    FloatVector g = FloatVector.fromMemorySegment(F, sx, xo + off, NATIVE);
                    FloatVector other = FloatVector.fromMemorySegment(F, sy, yo + off, NATIVE);
                    FloatVector factor = FloatVector.fromMemorySegment(F, sq, qo + off, NATIVE);
                    if (modulate) {
                        g.add(FloatVector.fromArray(F, acc, j)).intoArray(acc, j);
                        g.fma(other, FloatVector.fromArray(F, acc, width + j)).intoArray(acc, width + j);
                        g.fma(factor, g).intoMemorySegment(so, oo + off, NATIVE);
                    } else {
                        g.fma(other, FloatVector.fromArray(F, acc, j)).intoArray(acc, j);
                        g.mul(factor).intoMemorySegment(so, oo + off, NATIVE);
                    }
                }
                for (; j < width; j++) {
                    long off = (long) j * Float.BYTES;
                    float g = sx.get(FLOAT, xo + off), other = sy.get(FLOAT, yo + off), factor = sq.get(FLOAT, qo + off);
                    if (modulate) {
                        acc[j] += g;
                        acc[width + j] += g * other;
                        so.set(FLOAT, oo + off, g * (1f + factor));
                    } else {
                        acc[j] += g * other;
                        so.set(FLOAT, oo + off, g * factor);
                    }
                }
            }
            addFloats(p, b, lo, width, acc, 0);
            if (modulate) addFloats(s, b, lo, width, acc, width);
        }
    }

    private static void addFloats(Operand dst, int row, int lo, int width, float[] acc, int from) {
        MemorySegment sd = dst.seg;
        long o = dst.at(row, lo);
        for (int j = 0; j < width; j++) {
            long off = o + (long) j * Float.BYTES;
            sd.set(FLOAT, off, sd.get(FLOAT, off) + acc[from + j]);
        }
    }

    /** Writes (or adds) {@code acc[from .. from+width)} into row {@code row}, columns {@code [lo, lo+width)} of {@code dst}. */
    private static void store(Operand dst, int row, int lo, int width, double[] acc, int from, boolean add) {
        MemorySegment sd = dst.seg;
        long o = dst.at(row, lo);
        for (int j = 0; j < width; j++) {
            long off = o + (long) j * Float.BYTES;
            double v = acc[from + j];
            if (add) v += sd.get(FLOAT, off);
            sd.set(FLOAT, off, (float) v);
        }
    }
}
