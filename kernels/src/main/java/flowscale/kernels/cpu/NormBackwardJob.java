package flowscale.kernels.cpu;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.FLOAT;
import static flowscale.kernels.cpu.Simd.L;
import static flowscale.kernels.cpu.Simd.NATIVE;

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
    private float[][] scratch = new float[0][];
    /** Per chunk: L floats to fold a vector accumulator in VectorMath's fixed order. */
    private float[][] lanes = new float[0][];

    void ensureChunks(int chunks) {
        if (scratch.length < chunks) scratch = new float[chunks][0];
        if (lanes.length < chunks) lanes = new float[chunks][L];
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
            case STATS -> { for (int r = lo; r < hi; r++) stats(r, lanes[chunk]); }
            case PARAMS -> params(chunk, lo, hi - lo);
            case DX -> { for (int r = lo; r < hi; r++) dx(r, lanes[chunk]); }
        }
    }

    private static long bytes(int j) {
        return (long) j * Float.BYTES;
    }

    // Vector bodies with scalar tails (the same formulas), all vectors local to one method so none is
    // boxed; row sums accumulate in float vectors, which the suite's norm bound allows for, and are folded
    // by VectorMath.sum from the chunk's {@code fold} array.

    private void stats(int r, float[] fold) {
        MemorySegment sx = x.seg;
        long xo = x.at(r, 0);
        int body = F.loopBound(d);
        float mean = 0f;
        if (centred) {
            FloatVector acc = FloatVector.zero(F);
            int j = 0;
            for (; j < body; j += L) acc = acc.add(FloatVector.fromMemorySegment(F, sx, xo + bytes(j), NATIVE));
            acc.intoArray(fold, 0);
            float sum = VectorMath.sum(fold, 0, L);
            for (; j < d; j++) sum += sx.get(FLOAT, xo + bytes(j));
            mean = sum / d;
        }
        FloatVector sq = FloatVector.zero(F);
        int j = 0;
        for (; j < body; j += L) {
            FloatVector dev = FloatVector.fromMemorySegment(F, sx, xo + bytes(j), NATIVE).sub(mean);
            sq = dev.fma(dev, sq);
        }
        sq.intoArray(fold, 0);
        float squares = VectorMath.sum(fold, 0, L);
        for (; j < d; j++) {
            float dev = sx.get(FLOAT, xo + bytes(j)) - mean;
            squares += dev * dev;
        }
        stats[2 * r] = mean;
        stats[2 * r + 1] = 1.0 / Math.sqrt((double) squares / d + eps);
    }

    private void params(int chunk, int lo, int width) {
        if (width == 0) return;
        if (scratch[chunk].length < 2 * width) scratch[chunk] = new float[2 * width];
        float[] acc = scratch[chunk];
        java.util.Arrays.fill(acc, 0, 2 * width, 0f);
        MemorySegment sx = x.seg, sdy = dy.seg;
        int body = F.loopBound(width);
        for (int r = 0; r < rows; r++) {
            float mean = (float) stats[2 * r], rstd = (float) stats[2 * r + 1];
            long xo = x.at(r, lo), go = dy.at(r, lo);
            int j = 0;
            for (; j < body; j += L) {
                FloatVector g = FloatVector.fromMemorySegment(F, sdy, go + bytes(j), NATIVE);
                FloatVector xhat = FloatVector.fromMemorySegment(F, sx, xo + bytes(j), NATIVE).sub(mean).mul(rstd);
                g.fma(xhat, FloatVector.fromArray(F, acc, j)).intoArray(acc, j);
                g.add(FloatVector.fromArray(F, acc, width + j)).intoArray(acc, width + j);
            }
            for (; j < width; j++) {
                float g = sdy.get(FLOAT, go + bytes(j));
                acc[j] += g * ((sx.get(FLOAT, xo + bytes(j)) - mean) * rstd);
                acc[width + j] += g;
            }
        }
        addInto(dgamma, lo, width, acc, 0);
        addInto(dbeta, lo, width, acc, width);
    }

    private static void addInto(Operand dst, int lo, int width, float[] acc, int from) {
        if (dst.seg == null) return;
        long o = dst.at(0, lo);
        for (int j = 0; j < width; j++) {
            long off = o + bytes(j);
            dst.seg.set(FLOAT, off, dst.seg.get(FLOAT, off) + acc[from + j]);
        }
    }

    private void dx(int r, float[] fold) {
        MemorySegment sx = x.seg, sdy = dy.seg, sdx = dx.seg, sg = gamma.seg;
        long xo = x.at(r, 0), go = dy.at(r, 0), oo = dx.at(r, 0), gao = sg == null ? 0 : gamma.at(0, 0);
        float mean = (float) stats[2 * r], rstd = (float) stats[2 * r + 1];
        int body = F.loopBound(d);
        FloatVector accG = FloatVector.zero(F), accGX = FloatVector.zero(F);
        int j = 0;
        for (; j < body; j += L) {
            FloatVector g = FloatVector.fromMemorySegment(F, sdy, go + bytes(j), NATIVE);
            if (sg != null) g = g.mul(FloatVector.fromMemorySegment(F, sg, gao + bytes(j), NATIVE));
            FloatVector xhat = FloatVector.fromMemorySegment(F, sx, xo + bytes(j), NATIVE).sub(mean).mul(rstd);
            accG = accG.add(g);
            accGX = g.fma(xhat, accGX);
        }
        accG.intoArray(fold, 0);
        float sumG = VectorMath.sum(fold, 0, L);
        accGX.intoArray(fold, 0);
        float sumGX = VectorMath.sum(fold, 0, L);
        for (; j < d; j++) {
            float g = sdy.get(FLOAT, go + bytes(j));
            if (sg != null) g *= sg.get(FLOAT, gao + bytes(j));
            sumG += g;
            sumGX += g * ((sx.get(FLOAT, xo + bytes(j)) - mean) * rstd);
        }
        float meanG = centred ? sumG / d : 0f, meanGX = sumGX / d;
        // dx may be dy itself: each element of dy is read before the same element of dx is written.
        for (j = 0; j < body; j += L) {
            FloatVector g = FloatVector.fromMemorySegment(F, sdy, go + bytes(j), NATIVE);
            if (sg != null) g = g.mul(FloatVector.fromMemorySegment(F, sg, gao + bytes(j), NATIVE));
            FloatVector xhat = FloatVector.fromMemorySegment(F, sx, xo + bytes(j), NATIVE).sub(mean).mul(rstd);
            g.sub(meanG).sub(xhat.mul(meanGX)).mul(rstd).intoMemorySegment(sdx, oo + bytes(j), NATIVE);
        }
        for (; j < d; j++) {
            float g = sdy.get(FLOAT, go + bytes(j));
            if (sg != null) g *= sg.get(FLOAT, gao + bytes(j));
            float xhat = (sx.get(FLOAT, xo + bytes(j)) - mean) * rstd;
            sdx.set(FLOAT, oo + bytes(j), rstd * (g - meanG - xhat * meanGX));
        }
    }
}
