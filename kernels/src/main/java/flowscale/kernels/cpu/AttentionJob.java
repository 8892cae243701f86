package flowscale.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.L;
import static flowscale.kernels.cpu.Simd.NATIVE;

/**
 * Blocked ("flash") softmax attention. Work items are (batch item, head) pairs, split into one
 * contiguous range per chunk. For an item, K is transposed into {@code kT[hd][S']} and V copied into
 * {@code v[S][hd']} (S', hd' padded to whole vectors) in the chunk's scratch; then for each block of
 * {@link #QB} queries the keys are visited in blocks of {@link #KB}: the scores of the block are a small
 * register-tiled product (queries x key vectors, vectorised over keys), the running max and denominator
 * are updated (online softmax) and the block's probabilities are folded into the output accumulators
 * (vectorised over the head dimension). Only a {@code QB x KB} score block ever exists. A causal mask
 * and an additive bias (the text encoders' variants) are applied to a block's scores before its softmax step.
 */
final class AttentionJob implements WorkerPool.Job {
    static final int QB = 8;
    /** Keys per block: a multiple of two vectors (the score kernel's width), at least 64. */
    static final int KB = Math.max(64, 2 * L);

    MemorySegment qSeg, kSeg, vSeg, oSeg;
    long qBase, kBase, vBase, oBase; // elements
    long qStride, kStride, vStride, oStride; // row strides, elements
    int batch, seq, heads, hd;
    float scale;
    /** Causal mask (CLIP): query i sees keys j <= i only, so key blocks past a query block are skipped. */
    boolean causal;
    /** Additive score bias {@code [heads*seq, seq]} shared by the batch items (T5), or null. */
    MemorySegment biasSeg;
    long biasBase, biasStride; // elements

    private Scratch[] scratch = new Scratch[0];

    private static final class Scratch {
        float[] kT = new float[0], v = new float[0], acc = new float[0], q = new float[0];
        final float[] scores = new float[QB * KB];
        final float[] max = new float[QB], denom = new float[QB], newMax = new float[QB], sums = new float[QB];
        final float[] fold = new float[QB * L];

        void ensure(int seqPad, int hd, int hdPad, int seq) {
            if (kT.length < hd * seqPad) kT = new float[hd * seqPad];
            if (v.length < seq * hdPad) v = new float[seq * hdPad];
            if (acc.length < QB * hdPad) acc = new float[QB * hdPad];
            if (q.length < QB * hd) q = new float[QB * hd];
        }
    }

    void ensureChunks(int threads) {
        if (scratch.length < threads) {
            Scratch[] grown = new Scratch[threads];
            for (int i = 0; i < threads; i++) grown[i] = i < scratch.length ? scratch[i] : new Scratch();
            scratch = grown;
        }
    }

    int chunksFor(int threads) {
        long flops = 4L * batch * heads * seq * (long) seq * hd;
        return (int) Math.max(1, Math.min(Math.min(threads, (long) batch * heads), flops / GemmJob.MIN_CHUNK_FLOPS));
    }

    @Override
    public void run(int chunk, int chunks) {
        int items = batch * heads;
        int lo = (int) ((long) items * chunk / chunks), hi = (int) ((long) items * (chunk + 1) / chunks);
        int seqPad = Simd.roundUp(seq, 2 * L), hdPad = Simd.roundUp(hd, L);
        Scratch s = scratch[chunk];
        s.ensure(seqPad, hd, hdPad, seq);
        for (int item = lo; item < hi; item++) {
            int bi = item / heads, h = item % heads;
            loadKeysValues(s, bi, h, seqPad, hdPad);
            for (int q0 = 0; q0 < seq; q0 += QB) {
                queryBlock(s, bi, h, q0, Math.min(QB, seq - q0), seqPad, hdPad);
            }
        }
    }

    private void loadKeysValues(Scratch s, int bi, int h, int seqPad, int hdPad) {
        float[] kT = s.kT, v = s.v, row = s.q; // q scratch doubles as a row buffer here (length >= hd)
        for (int j = 0; j < seq; j++) {
            long r = (long) bi * seq + j;
            MemorySegment.copy(kSeg, Simd.FLOAT, (kBase + r * kStride + (long) h * hd) * Float.BYTES, row, 0, hd);
            for (int d = 0, o = j; d < hd; d++, o += seqPad) kT[o] = row[d];
            MemorySegment.copy(vSeg, Simd.FLOAT, (vBase + r * vStride + (long) h * hd) * Float.BYTES, v, j * hdPad, hd);
        }
    }

    private void queryBlock(Scratch s, int bi, int h, int q0, int qn, int seqPad, int hdPad) {
        float[] q = s.q, acc = s.acc, sc = s.scores, mx = s.max, den = s.denom;
        for (int i = 0; i < QB; i++) {
            if (i < qn) {
                long r = (long) bi * seq + q0 + i;
                MemorySegment.copy(qSeg, Simd.FLOAT, (qBase + r * qStride + (long) h * hd) * Float.BYTES, q, i * hd, hd);
                for (int d = 0; d < hd; d++) q[i * hd + d] *= scale;
            } else {
                for (int d = 0; d < hd; d++) q[i * hd + d] = 0f;
            }
            mx[i] = Float.NEGATIVE_INFINITY;
            den[i] = 0f;
        }
        java.util.Arrays.fill(acc, 0, QB * hdPad, 0f);
        int keyEnd = causal ? q0 + qn : seq; // no query of the block sees a key past its last query
        for (int k0 = 0; k0 < keyEnd; k0 += KB) {
            int valid = Math.min(KB, seq - k0);
            int width = Math.min(KB, seqPad - k0); // whole pairs of vectors
            scores(s, k0, width, seqPad);
            if (biasSeg != null) addBias(s, h, q0, qn, k0, valid);
            if (causal) maskFuture(s, q0, qn, k0, valid);
            // rows past the block's real queries have zero queries, hence zero scores: left as they are, they
            // add exact zeros to accumulators nobody reads
            softmaxBlock(s, qn, valid, hdPad);
            accumulate(s, k0, valid, hdPad);
        }
        for (int i = 0; i < qn; i++) {
            long r = (long) bi * seq + q0 + i;
            long off = (oBase + r * oStride + (long) h * hd) * Float.BYTES;
            float inv = 1f / den[i];
            for (int d = 0; d < hd; d += L) {
                FloatVector o = FloatVector.fromArray(F, acc, i * hdPad + d).mul(inv);
                if (d + L <= hd) o.intoMemorySegment(oSeg, off + (long) d * Float.BYTES, NATIVE);
                else o.intoMemorySegment(oSeg, off + (long) d * Float.BYTES, NATIVE, F.indexInRange(d, hd));
            }
        }
    }

    /** Adds {@code bias[h*seq + q0+i, k0+j]} to the block's scores of the real queries i < qn. */
    private void addBias(Scratch s, int h, int q0, int qn, int k0, int valid) {
        float[] sc = s.scores;
        for (int i = 0; i < qn; i++) {
            long off = (biasBase + ((long) h * seq + q0 + i) * biasStride + k0) * Float.BYTES;
            int j = 0;
            for (int bound = F.loopBound(valid); j < bound; j += L) {
                FloatVector.fromArray(F, sc, i * KB + j).add(FloatVector.fromMemorySegment(F, biasSeg, off + (long) j * Float.BYTES, NATIVE))
                        .intoArray(sc, i * KB + j);
            }
            for (; j < valid; j++) sc[i * KB + j] += biasSeg.get(Simd.FLOAT, off + (long) j * Float.BYTES);
        }
    }

    /**
     * Sets the scores of keys after each real query to -inf; the softmax step turns them into exact zeros.
     * Key 0 is in the first block and never masked, so every row's running maximum is finite after it.
     */
    private static void maskFuture(Scratch s, int q0, int qn, int k0, int valid) {
        float[] sc = s.scores;
        for (int i = 0; i < qn; i++) {
            for (int j = Math.max(0, q0 + i + 1 - k0); j < valid; j++) sc[i * KB + j] = Float.NEGATIVE_INFINITY;
        }
    }

    /**
     * {@code scores[i][j] = q_i . k_{k0+j}} for j < width (a multiple of 2L): two key vectors x QB = 8
     * queries per pass, 16 accumulators, so each key vector loaded feeds eight FMAs.
     */
    private void scores(Scratch s, int k0, int width, int seqPad) {
        float[] kT = s.kT, q = s.q, sc = s.scores;
        int hd = this.hd;
        for (int j = 0; j < width; j += 2 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
            FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F);
            FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F);
            FloatVector d0 = FloatVector.zero(F), d1 = FloatVector.zero(F);
            FloatVector e0 = FloatVector.zero(F), e1 = FloatVector.zero(F);
            FloatVector f0 = FloatVector.zero(F), f1 = FloatVector.zero(F);
            FloatVector g0 = FloatVector.zero(F), g1 = FloatVector.zero(F);
            FloatVector h0 = FloatVector.zero(F), h1 = FloatVector.zero(F);
            int kOff = k0 + j;
            for (int d = 0; d < hd; d++, kOff += seqPad) {
                FloatVector k0v = FloatVector.fromArray(F, kT, kOff);
                FloatVector k1v = FloatVector.fromArray(F, kT, kOff + L);
                FloatVector qa = FloatVector.broadcast(F, q[d]);
                a0 = qa.fma(k0v, a0);
                a1 = qa.fma(k1v, a1);
                FloatVector qb = FloatVector.broadcast(F, q[hd + d]);
                b0 = qb.fma(k0v, b0);
                b1 = qb.fma(k1v, b1);
                FloatVector qc = FloatVector.broadcast(F, q[2 * hd + d]);
                c0 = qc.fma(k0v, c0);
                c1 = qc.fma(k1v, c1);
                FloatVector qd = FloatVector.broadcast(F, q[3 * hd + d]);
                d0 = qd.fma(k0v, d0);
                d1 = qd.fma(k1v, d1);
                FloatVector qe = FloatVector.broadcast(F, q[4 * hd + d]);
                e0 = qe.fma(k0v, e0);
                e1 = qe.fma(k1v, e1);
                FloatVector qf = FloatVector.broadcast(F, q[5 * hd + d]);
                f0 = qf.fma(k0v, f0);
                f1 = qf.fma(k1v, f1);
                FloatVector qg = FloatVector.broadcast(F, q[6 * hd + d]);
                g0 = qg.fma(k0v, g0);
                g1 = qg.fma(k1v, g1);
                FloatVector qh = FloatVector.broadcast(F, q[7 * hd + d]);
                h0 = qh.fma(k0v, h0);
                h1 = qh.fma(k1v, h1);
            }
            a0.intoArray(sc, j);
            a1.intoArray(sc, j + L);
            b0.intoArray(sc, KB + j);
            b1.intoArray(sc, KB + j + L);
            c0.intoArray(sc, 2 * KB + j);
            c1.intoArray(sc, 2 * KB + j + L);
            d0.intoArray(sc, 3 * KB + j);
            d1.intoArray(sc, 3 * KB + j + L);
            e0.intoArray(sc, 4 * KB + j);
            e1.intoArray(sc, 4 * KB + j + L);
            f0.intoArray(sc, 5 * KB + j);
            f1.intoArray(sc, 5 * KB + j + L);
            g0.intoArray(sc, 6 * KB + j);
            g1.intoArray(sc, 6 * KB + j + L);
            h0.intoArray(sc, 7 * KB + j);
            h1.intoArray(sc, 7 * KB + j + L);
        }
    }

    /**
     * Online softmax step for the block's real query rows: turns their scores into exp(s - newMax) and rescales
     * their accumulators.
     *
     * <p>Only the vectors holding a real key are visited: lanes of padding keys (to the score kernel's width) give
     * e^-inf = 0 exactly and add nothing to the lane sums, so skipping them changes no bit. Nor is the
     * correction computed where it is known: e^-inf = 0 on the first block (denominator and accumulator are
     * still zero, so neither is touched) and e^0 = 1 exactly when the maximum did not move. The rows'
     * exponentials run as one batch ({@link VectorMath#expRows}), whose independent chains overlap.
     */
    private void softmaxBlock(Scratch s, int qn, int valid, int hdPad) {
        float[] sc = s.scores, newMax = s.newMax;
        int span = Simd.roundUp(valid, L);
        for (int i = 0; i < qn; i++) {
            int base = i * KB;
            if (span > valid) {
                int j = base + span - L;
                FloatVector last = FloatVector.fromArray(F, sc, j);
                last.blend(Float.NEGATIVE_INFINITY, F.indexInRange(span - L, valid).not()).intoArray(sc, j);
            }
            FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < span; j += L) vmax = vmax.max(FloatVector.fromArray(F, sc, base + j));
            newMax[i] = Math.max(s.max[i], vmax.reduceLanes(VectorOperators.MAX));
        }
        VectorMath.expRows(sc, 0, qn, KB, span, newMax, s.sums, s.fold);
        for (int i = 0; i < qn; i++) {
            float old = s.max[i], sum = s.sums[i];
            s.max[i] = newMax[i];
            if (old == Float.NEGATIVE_INFINITY) {
                s.denom[i] = sum;
            } else if (old == newMax[i] && Float.isFinite(old)) {
                s.denom[i] += sum;
            } else {
                float correction = VectorMath.exp(old - newMax[i]);
                s.denom[i] = s.denom[i] * correction + sum;
                float[] acc = s.acc;
                for (int d = 0; d < hdPad; d += L) {
                    FloatVector.fromArray(F, acc, i * hdPad + d).mul(correction).intoArray(acc, i * hdPad + d);
                }
            }
        }
    }

    /** {@code acc[i] += sum_j p[i][j] v[k0+j]} for the QB = 8 rows, one head-dimension vector at a time. */
    private void accumulate(Scratch s, int k0, int valid, int hdPad) {
        float[] acc = s.acc, v = s.v, p = s.scores;
        for (int d = 0; d < hdPad; d += L) {
            FloatVector r0 = FloatVector.fromArray(F, acc, d);
            FloatVector r1 = FloatVector.fromArray(F, acc, hdPad + d);
            FloatVector r2 = FloatVector.fromArray(F, acc, 2 * hdPad + d);
            FloatVector r3 = FloatVector.fromArray(F, acc, 3 * hdPad + d);
            FloatVector r4 = FloatVector.fromArray(F, acc, 4 * hdPad + d);
            FloatVector r5 = FloatVector.fromArray(F, acc, 5 * hdPad + d);
            FloatVector r6 = FloatVector.fromArray(F, acc, 6 * hdPad + d);
            FloatVector r7 = FloatVector.fromArray(F, acc, 7 * hdPad + d);
            int vo = k0 * hdPad + d;
            for (int j = 0; j < valid; j++, vo += hdPad) {
                FloatVector vv = FloatVector.fromArray(F, v, vo);
                r0 = FloatVector.broadcast(F, p[j]).fma(vv, r0);
                r1 = FloatVector.broadcast(F, p[KB + j]).fma(vv, r1);
                r2 = FloatVector.broadcast(F, p[2 * KB + j]).fma(vv, r2);
                r3 = FloatVector.broadcast(F, p[3 * KB + j]).fma(vv, r3);
                r4 = FloatVector.broadcast(F, p[4 * KB + j]).fma(vv, r4);
                r5 = FloatVector.broadcast(F, p[5 * KB + j]).fma(vv, r5);
                r6 = FloatVector.broadcast(F, p[6 * KB + j]).fma(vv, r6);
                r7 = FloatVector.broadcast(F, p[7 * KB + j]).fma(vv, r7);
            }
            r0.intoArray(acc, d);
            r1.intoArray(acc, hdPad + d);
            r2.intoArray(acc, 2 * hdPad + d);
            r3.intoArray(acc, 3 * hdPad + d);
            r4.intoArray(acc, 4 * hdPad + d);
            r5.intoArray(acc, 5 * hdPad + d);
            r6.intoArray(acc, 6 * hdPad + d);
            r7.intoArray(acc, 7 * hdPad + d);
        }
    }
}
