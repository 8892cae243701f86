package flowscale.kernels.cpu;

import flowscale.kernels.HostConvWeight;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.L;
import static flowscale.kernels.cpu.Simd.NATIVE;

/**
 * Direct NCHW convolution, stride 1, "same" zero padding. Work items are output rows (item, y), one
 * contiguous range per chunk. For a row, the {@code kh} input rows of every input channel that the row
 * reads are copied into scratch with the padding written as zeros (so the inner loop needs no bounds
 * tests), then for each tile of {@link #OB} output channels the tile's weights are widened to float32
 * (from F32 or BF16, in place from the mapped checkpoint: at most {@code OB * Cin * kh * kw} floats, a
 * cost of 1/W of the row's multiply-adds) and each vector of output pixels accumulates
 * {@code Cin * kh * kw} broadcast-weight FMAs in {@link #OB} registers, reusing every input load
 * {@link #OB} times.
 */
final class ConvJob implements WorkerPool.Job {
    /** Output channels per register tile. */
    static final int OB = 4;

    MemorySegment xSeg, oSeg, biasSeg;
    long xBase, oBase, biasBase; // elements
    HostConvWeight w;
    int batch, cin, cout, h, wd, kh, kw;

    private Scratch[] scratch = new Scratch[0];

    private static final class Scratch {
        float[] rows = new float[0], weights = new float[0];

        void ensure(int rowFloats, int weightFloats) {
            if (rows.length < rowFloats) rows = new float[rowFloats];
            if (weights.length < weightFloats) weights = new float[weightFloats];
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
        long flops = 2L * batch * h * wd * cout * (long) cin * kh * kw;
        return (int) Math.max(1, Math.min(Math.min(threads, (long) batch * h), flops / GemmJob.MIN_CHUNK_FLOPS));
    }

    @Override
    public void run(int chunk, int chunks) {
        int items = batch * h;
        int lo = (int) ((long) items * chunk / chunks), hi = (int) ((long) items * (chunk + 1) / chunks);
        int padW = Simd.roundUp(wd, L) + kw - 1;
        int taps = cin * kh * kw;
        Scratch s = scratch[chunk];
        s.ensure(cin * kh * padW, OB * taps);
        for (int r = lo; r < hi; r++) {
            int b = r / h, y = r % h;
            loadRows(s.rows, b, y, padW);
            for (int o0 = 0; o0 < cout; o0 += OB) {
                int ob = Math.min(OB, cout - o0);
                widen(s.weights, o0, ob, taps);
                outputRow(s, b, y, o0, ob, padW, taps);
            }
        }
    }

    /** Scratch row {@code (i, dy)} holds input row {@code y + dy - kh/2} of channel i, shifted right by kw/2, zero-padded. */
    private void loadRows(float[] rows, int b, int y, int padW) {
        int ph = kh / 2, pw = kw / 2;
        for (int i = 0; i < cin; i++) {
            for (int dy = 0; dy < kh; dy++) {
                int dest = (i * kh + dy) * padW;
                int sy = y + dy - ph;
                if (sy < 0 || sy >= h) {
                    java.util.Arrays.fill(rows, dest, dest + padW, 0f);
                    continue;
                }
                java.util.Arrays.fill(rows, dest, dest + pw, 0f);
                long src = xBase + (((long) b * cin + i) * h + sy) * wd;
                MemorySegment.copy(xSeg, Simd.FLOAT, src * Float.BYTES, rows, dest + pw, wd);
                java.util.Arrays.fill(rows, dest + pw + wd, dest + padW, 0f);
            }
        }
    }

    /** Weights of output channels {@code o0 .. o0+ob} as floats, tile rows past {@code ob} zero. */
    private void widen(float[] weights, int o0, int ob, int taps) {
        for (int j = 0; j < OB; j++) {
            if (j >= ob) {
                java.util.Arrays.fill(weights, j * taps, (j + 1) * taps, 0f);
                continue;
            }
            long first = (long) (o0 + j) * taps;
            for (int t = 0; t < taps; t++) weights[j * taps + t] = w.type().read(w.data(), first + t);
        }
    }

    private void outputRow(Scratch s, int b, int y, int o0, int ob, int padW, int taps) {
        float[] rows = s.rows, wt = s.weights;
        int ph = kh / 2;
        // Input rows above or below the image are all zeros; skipping them changes no sum.
        int dyLo = Math.max(0, ph - y), dyHi = Math.min(kh, h + ph - y);
        float b0 = bias(o0), b1 = bias(o0 + 1), b2 = bias(o0 + 2), b3 = bias(o0 + 3);
        for (int x0 = 0; x0 < wd; x0 += L) {
            FloatVector a0 = FloatVector.broadcast(F, b0), a1 = FloatVector.broadcast(F, b1);
            FloatVector a2 = FloatVector.broadcast(F, b2), a3 = FloatVector.broadcast(F, b3);
            for (int i = 0; i < cin; i++) {
                for (int dy = dyLo; dy < dyHi; dy++) {
                    int base = (i * kh + dy) * padW + x0;
                    int t = (i * kh + dy) * kw;
                    for (int dx = 0; dx < kw; dx++, t++) {
                        FloatVector v = FloatVector.fromArray(F, rows, base + dx);
                        a0 = v.fma(FloatVector.broadcast(F, wt[t]), a0);
                        a1 = v.fma(FloatVector.broadcast(F, wt[taps + t]), a1);
                        a2 = v.fma(FloatVector.broadcast(F, wt[2 * taps + t]), a2);
                        a3 = v.fma(FloatVector.broadcast(F, wt[3 * taps + t]), a3);
                    }
                }
            }
            // Stores written out here rather than in a helper: a vector passed to a method C2 does not
            // inline is boxed, and this method is large (see VectorMath).
            long off = (oBase + (((long) b * cout + o0) * h + y) * wd + x0) * Float.BYTES;
            long step = (long) h * wd * Float.BYTES;
            if (x0 + L <= wd) {
                a0.intoMemorySegment(oSeg, off, NATIVE);
                if (ob > 1) a1.intoMemorySegment(oSeg, off + step, NATIVE);
                if (ob > 2) a2.intoMemorySegment(oSeg, off + 2 * step, NATIVE);
                if (ob > 3) a3.intoMemorySegment(oSeg, off + 3 * step, NATIVE);
            } else {
                VectorMask<Float> m = F.indexInRange(x0, wd);
                a0.intoMemorySegment(oSeg, off, NATIVE, m);
                if (ob > 1) a1.intoMemorySegment(oSeg, off + step, NATIVE, m);
                if (ob > 2) a2.intoMemorySegment(oSeg, off + 2 * step, NATIVE, m);
                if (ob > 3) a3.intoMemorySegment(oSeg, off + 3 * step, NATIVE, m);
            }
        }
    }

    private float bias(int o) {
        if (biasSeg == null || o >= cout) return 0f;
        return biasSeg.get(Simd.FLOAT, (biasBase + o) * Float.BYTES);
    }

}
