package flowscale.kernels.cpu;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.FLOAT;

/**
 * Backward kernels whose outputs are sums over rows (bias, gate, shift, scale and position-table
 * gradients). Chunks own contiguous column ranges, so no two threads ever add into the same output and
 * no partial sums need combining; within a chunk the rows are walked in order (cache-friendly) with one
 * double accumulator per column in the chunk's scratch.
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

    void ensureChunks(int chunks) {
        if (scratch.length < chunks) scratch = new double[chunks][0];
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
        if (scratch[chunk].length < 2 * width) scratch[chunk] = new double[2 * width];
        double[] acc = scratch[chunk];
        switch (op) {
            case SUM_ROWS -> sumRows(lo, width, acc);
            case BROADCAST_BACKWARD -> broadcast(lo, width, acc);
            case MODULATE_BACKWARD, GATED_ADD_BACKWARD -> perItem(lo, width, acc);
        }
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

    /** modulate and gatedAdd backward: per item, the input gradient row by row and the sums over its tokens. */
    private void perItem(int lo, int width, double[] acc) {
        boolean modulate = op == Op.MODULATE_BACKWARD;
        MemorySegment sx = x.seg, sy = y.seg, so = out.seg, sq = q.seg;
        int items = rows / period;
        for (int b = 0; b < items; b++) {
            java.util.Arrays.fill(acc, 0, 2 * width, 0.0);
            long qo = q.at(b, lo);
            for (int t = 0; t < period; t++) {
                int r = b * period + t;
                long xo = x.at(r, lo), yo = y.at(r, lo), oo = out.at(r, lo);
                for (int j = 0; j < width; j++) {
                    long off = (long) j * Float.BYTES;
                    float g = sx.get(FLOAT, xo + off), other = sy.get(FLOAT, yo + off), factor = sq.get(FLOAT, qo + off);
                    if (modulate) {
                        acc[j] += g;
                        acc[width + j] += (double) g * other;
                        so.set(FLOAT, oo + off, g * (1f + factor));
                    } else {
                        acc[j] += (double) g * other;
                        so.set(FLOAT, oo + off, g * factor);
                    }
                }
            }
            store(p, b, lo, width, acc, 0, true);
            if (modulate) store(s, b, lo, width, acc, width, true);
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
