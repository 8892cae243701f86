package flowscale.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

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
 * The score and dP rows are built as sums of key-major (transposed) k and v columns, vectorised along
 * the keys; a per-key dot product would need one lane reduction per key.
 */
final class AttentionBackwardJob implements WorkerPool.Job {
    MemorySegment qSeg, kSeg, vSeg, oSeg, doSeg, dqSeg, dkSeg, dvSeg;
    long qBase, kBase, vBase, oBase, doBase, dqBase, dkBase, dvBase;
    long qStride, kStride, vStride, oStride, doStride, dqStride, dkStride, dvStride;
    int batch, seq, heads, hd;
    float scale;
    /**
     * Query rows handled together: each key's dk and dv rows are loaded and stored once per block of
     * this many queries instead of once per query. Small enough that the block's softmax, dS and dq rows
     * (a few seq-long rows, never seq x seq) stay in L1.
     */
    static final int ROW_BLOCK = 4;

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
        int need = 7 * slice + ROW_BLOCK * (2 * seq + hd);
        if (scratch[chunk].length < need) scratch[chunk] = new float[need];
        float[] s = scratch[chunk];
        for (int pair = lo; pair < hi; pair++) pair(pair / heads, pair % heads, s, slice);
    }

    /**
     * One (item, head). Scratch layout: q, k and dout row-major {@code [seq][hd]}; k and v transposed
     * {@code [hd][seq]}, so that a score row and a dP row are sums of hd vectors along the keys (no lane
     * reduction per key); dk and dv accumulators; the softmax row, the dP row and the dq row.
     */
    private void pair(int b, int h, float[] s, int slice) {
        int q0 = 0, k0 = slice, kt0 = 2 * slice, vt0 = 3 * slice, do0 = 4 * slice, dk0 = 5 * slice, dv0 = 6 * slice;
        int p0 = 7 * slice, dp0 = p0 + ROW_BLOCK * seq, dq0 = dp0 + ROW_BLOCK * seq;
        long col = (long) h * hd;
        for (int t = 0; t < seq; t++) {
            long row = (long) b * seq + t;
            load(qSeg, qBase + row * qStride + col, s, q0 + t * hd);
            load(kSeg, kBase + row * kStride + col, s, k0 + t * hd);
            load(doSeg, doBase + row * doStride + col, s, do0 + t * hd);
            long vRow = vBase + row * vStride + col;
            for (int c = 0; c < hd; c++) {
                s[kt0 + c * seq + t] = s[k0 + t * hd + c];
                s[vt0 + c * seq + t] = vSeg.getAtIndex(FLOAT, vRow + c);
            }
        }
        java.util.Arrays.fill(s, dk0, dv0 + slice, 0f);
        for (int i0 = 0; i0 < seq; i0 += ROW_BLOCK) {
            int rb = Math.min(ROW_BLOCK, seq - i0);
            java.util.Arrays.fill(s, dq0, dq0 + rb * hd, 0f);
            for (int r = 0; r < rb; r++) {
                int i = i0 + r, pr = p0 + r * seq, dpr = dp0 + r * seq;
                scoreAndGradientRows(s, q0 + i * hd, do0 + i * hd, kt0, vt0, pr, dpr);
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < seq; j++) max = Math.max(max, s[pr + j]);
                float inv = 1f / expShifted(s, pr, seq, max);
                float rowD = 0f;
                long oRow = oBase + ((long) b * seq + i) * oStride + col;
                for (int c = 0; c < hd; c++) rowD += s[do0 + i * hd + c] * oSeg.getAtIndex(FLOAT, oRow + c);
                // p row normalised in place; the dP row becomes dS = P (dP - D) * scale.
                for (int j = 0; j < seq; j++) {
                    float p = s[pr + j] * inv;
                    s[pr + j] = p;
                    s[dpr + j] = p * (s[dpr + j] - rowD) * scale;
                }
            }
            for (int j = 0; j < seq; j++) {
                keyUpdate(s, rb, j, k0 + j * hd, q0 + i0 * hd, do0 + i0 * hd, p0, dp0, dq0, dk0 + j * hd, dv0 + j * hd);
            }
            for (int r = 0; r < rb; r++) {
                store(s, dq0 + r * hd, dqSeg, dqBase + ((long) b * seq + i0 + r) * dqStride + col);
            }
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

    /**
     * The score row {@code p[j] = scale * q_i . k_j} and the row {@code dp[j] = dout_i . v_j} for all keys,
     * one vector of keys at a time with both accumulators held in registers over the head dimension.
     */
    private void scoreAndGradientRows(float[] s, int qi, int doi, int kt0, int vt0, int p0, int dp0) {
        for (int jb = 0; jb < seq; jb += L) {
            VectorMask<Float> m = F.indexInRange(jb, seq);
            FloatVector accP = FloatVector.zero(F), accD = FloatVector.zero(F);
            for (int c = 0; c < hd; c++) {
                accP = FloatVector.fromArray(F, s, kt0 + c * seq + jb, m).fma(FloatVector.broadcast(F, s[qi + c]), accP);
                accD = FloatVector.fromArray(F, s, vt0 + c * seq + jb, m).fma(FloatVector.broadcast(F, s[doi + c]), accD);
            }
            accP.mul(scale).intoArray(s, p0 + jb, m);
            accD.intoArray(s, dp0 + jb, m);
        }
    }

    /** {@code a[at + j] = exp(a[at + j] - max)} for j in [0, n); returns their sum. */
    private static float expShifted(float[] a, int at, int n, float max) {
        VectorMath.exp(a, at, n, max);
        return VectorMath.sum(a, at, n);
    }

    /**
     * Key j's part of a block of {@code rb} query rows, in one pass over the head dimension:
     * {@code dq_r += dS[r, j] k_j}, {@code dk_j += sum_r dS[r, j] q_r}, {@code dv_j += sum_r P[r, j] dout_r}.
     * The query rows of the block are consecutive ({@code q} and {@code dout} point at the first).
     */
    private void keyUpdate(float[] s, int rb, int j, int kj, int q, int dout, int p0, int ds0, int dq0, int dkj, int dvj) {
        int n = hd, rowStride = seq;
        int c = 0;
        for (int bound = F.loopBound(n); c < bound; c += L) {
            FloatVector k = FloatVector.fromArray(F, s, kj + c);
            FloatVector dk = FloatVector.fromArray(F, s, dkj + c);
            FloatVector dv = FloatVector.fromArray(F, s, dvj + c);
            for (int r = 0; r < rb; r++) {
                FloatVector ds = FloatVector.broadcast(F, s[ds0 + r * rowStride + j]);
                FloatVector p = FloatVector.broadcast(F, s[p0 + r * rowStride + j]);
                int dq = dq0 + r * n + c;
                k.fma(ds, FloatVector.fromArray(F, s, dq)).intoArray(s, dq);
                dk = FloatVector.fromArray(F, s, q + r * n + c).fma(ds, dk);
                dv = FloatVector.fromArray(F, s, dout + r * n + c).fma(p, dv);
            }
            dk.intoArray(s, dkj + c);
            dv.intoArray(s, dvj + c);
        }
        for (; c < n; c++) {
            for (int r = 0; r < rb; r++) {
                float ds = s[ds0 + r * rowStride + j], p = s[p0 + r * rowStride + j];
                s[dq0 + r * n + c] += ds * s[kj + c];
                s[dkj + c] += ds * s[q + r * n + c];
                s[dvj + c] += p * s[dout + r * n + c];
            }
        }
    }
}
