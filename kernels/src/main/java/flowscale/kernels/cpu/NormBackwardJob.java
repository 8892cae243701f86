package flowscale.kernels.cpu;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.FLOAT;

/**
 * LayerNorm / RMSNorm backward in three passes over {@code x[rows, d]}: row statistics (mean, rstd) by row
 * chunks; the parameter gradients {@code dgamma += sum dy * xhat}, {@code dbeta += sum dy} by column chunks
 * (no two threads add into one column); then {@code dx} by row chunks. The parameter pass runs before
 * {@code dx} is written because {@code dx} may be {@code dy} itself.
 */
final class NormBackwardJob implements WorkerPool.Job {
    enum Phase { STATS, PARAMS, DX }

    /** x, dy, dx, and the optional gamma, dgamma, dbeta (unbound when absent). */
    final Operand x = new Operand(), dy = new Operand(), dx = new Operand(), gamma = new Operand(),
            dgamma = new Operand(), dbeta = new Operand();
    Phase phase;
    boolean centred;
    int rows, d;
    float eps;
    /** mean and rstd of row r at [2r] and [2r + 1]. */
    private double[] stats = new double[0];
    private double[][] scratch = new double[0][];

    void ensureChunks(int chunks) {
        if (scratch.length < chunks) scratch = new double[chunks][0];
    }

    void ensureRows(int r) {
        if (stats.length < 2 * r) stats = new double[2 * r];
    }

    int chunksFor(int threads, long grain, boolean byColumns) {
        long work = (long) rows * d;
        return (int) Math.max(1, Math.min(Math.min(threads, byColumns ? d : rows), work / grain));
    }

    @Override
    public void run(int chunk, int chunks) {
        int n = phase == Phase.PARAMS ? d : rows;
        int lo = (int) ((long) n * chunk / chunks), hi = (int) ((long) n * (chunk + 1) / chunks);
        switch (phase) {
            case STATS -> { for (int r = lo; r < hi; r++) stats(r); }
            case PARAMS -> params(chunk, lo, hi - lo);
            case DX -> { for (int r = lo; r < hi; r++) dx(r); }
        }
    }

    private void stats(int r) {
        MemorySegment sx = x.seg;
        long xo = x.at(r, 0);
        double mean = 0.0;
        if (centred) {
            for (int j = 0; j < d; j++) mean += sx.get(FLOAT, xo + (long) j * Float.BYTES);
            mean /= d;
        }
        double squares = 0.0;
        for (int j = 0; j < d; j++) {
            double dev = sx.get(FLOAT, xo + (long) j * Float.BYTES) - mean;
            squares += dev * dev;
        }
        stats[2 * r] = mean;
        stats[2 * r + 1] = 1.0 / Math.sqrt(squares / d + eps);
    }

    private void params(int chunk, int lo, int width) {
        if (width == 0) return;
        if (scratch[chunk].length < 2 * width) scratch[chunk] = new double[2 * width];
        double[] acc = scratch[chunk];
        java.util.Arrays.fill(acc, 0, 2 * width, 0.0);
        MemorySegment sx = x.seg, sdy = dy.seg;
        for (int r = 0; r < rows; r++) {
            double mean = stats[2 * r], rstd = stats[2 * r + 1];
            long xo = x.at(r, lo), go = dy.at(r, lo);
            for (int j = 0; j < width; j++) {
                long off = (long) j * Float.BYTES;
                double g = sdy.get(FLOAT, go + off);
                acc[j] += g * (sx.get(FLOAT, xo + off) - mean) * rstd;
                acc[width + j] += g;
            }
        }
        addInto(dgamma, lo, width, acc, 0);
        addInto(dbeta, lo, width, acc, width);
    }

    private static void addInto(Operand dst, int lo, int width, double[] acc, int from) {
        if (dst.seg == null) return;
        long o = dst.at(0, lo);
        for (int j = 0; j < width; j++) {
            long off = o + (long) j * Float.BYTES;
            dst.seg.set(FLOAT, off, (float) (dst.seg.get(FLOAT, off) + acc[from + j]));
        }
    }

    private void dx(int r) {
        MemorySegment sx = x.seg, sdy = dy.seg, sdx = dx.seg, sg = gamma.seg;
        long xo = x.at(r, 0), go = dy.at(r, 0), oo = dx.at(r, 0), gao = sg == null ? 0 : gamma.at(0, 0);
        double mean = stats[2 * r], rstd = stats[2 * r + 1];
        double sumG = 0.0, sumGX = 0.0;
        for (int j = 0; j < d; j++) {
            long off = (long) j * Float.BYTES;
            double g = sdy.get(FLOAT, go + off);
            if (sg != null) g *= sg.get(FLOAT, gao + off);
            sumG += g;
            sumGX += g * (sx.get(FLOAT, xo + off) - mean) * rstd;
        }
        double meanG = centred ? sumG / d : 0.0, meanGX = sumGX / d;
        for (int j = 0; j < d; j++) {
            long off = (long) j * Float.BYTES;
            double g = sdy.get(FLOAT, go + off);
            if (sg != null) g *= sg.get(FLOAT, gao + off);
            double xhat = (sx.get(FLOAT, xo + off) - mean) * rstd;
            sdx.set(FLOAT, oo + off, (float) (rstd * (g - meanG - xhat * meanGX)));
        }
    }
}
