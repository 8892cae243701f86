package flowscale.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.FLOAT;
import static flowscale.kernels.cpu.Simd.L;

/**
 * Attention backward, one (item, head) pair at a time: a chunk owns a contiguous range of pairs, so every
 * write to {@code dq}, {@code dk}, {@code dv} of a pair comes from one thread and nothing needs atomics.
 * Within a pair the head's q, k, v and dout slices are copied into the chunk's scratch (contiguous,
 * vector-friendly); each query row recomputes its softmax row (seq floats, never the seq x seq matrix),
 * takes {@code D_i = dout_i . out_i}, and adds its contributions to dk and dv accumulated in scratch.
 */
final class AttentionBackwardJob implements WorkerPool.Job {
    MemorySegment qSeg, kSeg, vSeg, oSeg, doSeg, dqSeg, dkSeg, dvSeg;
    long qBase, kBase, vBase, oBase, doBase, dqBase, dkBase, dvBase;
    long qStride, kStride, vStride, oStride, doStride, dqStride, dkStride, dvStride;
    int batch, seq, heads, hd;
    float scale;
    private float[][] scratch = new float[0][];

    void ensureChunks(int chunks) {
        if (scratch.length < chunks) scratch = new float[chunks][0];
    }

    int chunksFor(int threads) {
        long pairs = (long) batch * heads;
        long work = pairs * seq * seq * hd;
        return (int) Math.max(1, Math.min(Math.min(threads, pairs), work / (1 << 14)));
    }

    @Override
    public void run(int chunk, int chunks) {
        int pairs = batch * heads;
        int lo = (int) ((long) pairs * chunk / chunks), hi = (int) ((long) pairs * (chunk + 1) / chunks);
        int slice = seq * hd;
        int need = 6 * slice + seq + hd;
        if (scratch[chunk].length < need) scratch[chunk] = new float[need];
        float[] s = scratch[chunk];
        for (int pair = lo; pair < hi; pair++) pair(pair / heads, pair % heads, s, slice);
    }

    private void pair(int b, int h, float[] s, int slice) {
        int q0 = 0, k0 = slice, v0 = 2 * slice, do0 = 3 * slice, dk0 = 4 * slice, dv0 = 5 * slice;
        int p0 = 6 * slice, dq0 = p0 + seq;
        long col = (long) h * hd;
        for (int t = 0; t < seq; t++) {
            long row = (long) b * seq + t;
            load(qSeg, qBase + row * qStride + col, s, q0 + t * hd);
            load(kSeg, kBase + row * kStride + col, s, k0 + t * hd);
            load(vSeg, vBase + row * vStride + col, s, v0 + t * hd);
            load(doSeg, doBase + row * doStride + col, s, do0 + t * hd);
        }
        java.util.Arrays.fill(s, dk0, dv0 + slice, 0f);
        for (int i = 0; i < seq; i++) {
            long row = (long) b * seq + i;
            int qi = q0 + i * hd, doi = do0 + i * hd;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < seq; j++) {
                float score = dot(s, qi, s, k0 + j * hd, hd) * scale;
                s[p0 + j] = score;
                max = Math.max(max, score);
            }
            double total = 0.0;
            for (int j = 0; j < seq; j++) {
                float e = (float) Math.exp(s[p0 + j] - max);
                s[p0 + j] = e;
                total += e;
            }
            float inv = (float) (1.0 / total);
            float rowD = 0f;
            long oRow = oBase + row * oStride + col;
            for (int c = 0; c < hd; c++) rowD += s[doi + c] * oSeg.getAtIndex(FLOAT, oRow + c);
            java.util.Arrays.fill(s, dq0, dq0 + hd, 0f);
            for (int j = 0; j < seq; j++) {
                float p = s[p0 + j] * inv;
                float ds = p * (dot(s, doi, s, v0 + j * hd, hd) - rowD) * scale;
                axpy(ds, s, k0 + j * hd, s, dq0, hd);
                axpy(ds, s, qi, s, dk0 + j * hd, hd);
                axpy(p, s, doi, s, dv0 + j * hd, hd);
            }
            store(s, dq0, dqSeg, dqBase + row * dqStride + col);
        }
        for (int t = 0; t < seq; t++) {
            long row = (long) b * seq + t;
            store(s, dk0 + t * hd, dkSeg, dkBase + row * dkStride + col);
            store(s, dv0 + t * hd, dvSeg, dvBase + row * dvStride + col);
        }
    }

    private void load(MemorySegment seg, long elementOffset, float[] dst, int at) {
        MemorySegment.copy(seg, FLOAT, elementOffset * Float.BYTES, dst, at, hd);
    }

    private void store(float[] src, int at, MemorySegment seg, long elementOffset) {
        MemorySegment.copy(src, at, seg, FLOAT, elementOffset * Float.BYTES, hd);
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += a[ao + i] * b[bo + i];
        return sum;
    }

    /** y += alpha * x over n floats. */
    private static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector va = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, x, xo + i).fma(va, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }
}
