package flowscale.kernels.cpu;

import flowscale.kernels.HostConvWeight;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.L;
import static flowscale.kernels.cpu.Simd.NATIVE;

/**
 * Direct NCHW convolution, stride 1, "same" zero padding. Work items are tiles of {@link #RT} output rows
 * of one image, one contiguous range of tiles per chunk. For a tile, the {@code RT + kh - 1} input rows of
 * every input channel that it reads are copied into scratch with the padding written as zeros (so the inner
 * loop has no bounds tests). Then for each group of {@link #OB} output channels the group's weights are
 * widened to float32 (from F32 or BF16, read in place from the mapped checkpoint: {@code OB * Cin * kh * kw}
 * floats, once per tile, so widening costs about {@code 1 / (RT * W)} of the multiply-adds), and each pair of
 * output vectors accumulates {@code Cin * kh * kw} broadcast-weight FMAs in {@code 2 * OB} registers: every
 * input load serves {@link #OB} output channels and every broadcast weight two vectors of pixels.
 */
final class ConvJob implements WorkerPool.Job {
    /** Output channels per register tile. */
    static final int OB = 4;
    /** Output rows per work item (weights are widened once per tile). */
    static final int RT = 4;

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

    private int tilesPerImage() {
        return (h + RT - 1) / RT;
    }

    int chunksFor(int threads) {
        long flops = 2L * batch * h * wd * cout * (long) cin * kh * kw;
        return (int) Math.max(1, Math.min(Math.min(threads, (long) batch * tilesPerImage()), flops / GemmJob.MIN_CHUNK_FLOPS));
    }

    @Override
    public void run(int chunk, int chunks) {
        int tiles = tilesPerImage(), items = batch * tiles;
        int lo = (int) ((long) items * chunk / chunks), hi = (int) ((long) items * (chunk + 1) / chunks);
        int padW = Simd.roundUp(wd, 2 * L) + kw - 1;
        int tileRows = RT + kh - 1;
        int taps = cin * kh * kw;
        Scratch s = scratch[chunk];
        s.ensure(cin * tileRows * padW, OB * taps);
        for (int item = lo; item < hi; item++) {
            int b = item / tiles, y0 = (item % tiles) * RT, rows = Math.min(RT, h - y0);
            loadRows(s.rows, b, y0, tileRows, padW);
            for (int o0 = 0; o0 < cout; o0 += OB) {
                int ob = Math.min(OB, cout - o0);
                widen(s.weights, o0, ob, taps);
                for (int r = 0; r < rows; r++) outputRow(s, b, y0, r, o0, ob, tileRows, padW, taps);
            }
        }
    }

    /**
     * Scratch row {@code (i, r)} holds input row {@code y0 + r - kh/2} of channel i, shifted right by kw/2,
     * zero outside the image.
     */
    private void loadRows(float[] rows, int b, int y0, int tileRows, int padW) {
        int ph = kh / 2, pw = kw / 2;
        for (int i = 0; i < cin; i++) {
            for (int r = 0; r < tileRows; r++) {
                int dest = (i * tileRows + r) * padW;
                int sy = y0 + r - ph;
                if (sy < 0 || sy >= h) {
                    Arrays.fill(rows, dest, dest + padW, 0f);
                    continue;
                }
                Arrays.fill(rows, dest, dest + pw, 0f);
                long src = xBase + (((long) b * cin + i) * h + sy) * wd;
                MemorySegment.copy(xSeg, Simd.FLOAT, src * Float.BYTES, rows, dest + pw, wd);
                Arrays.fill(rows, dest + pw + wd, dest + padW, 0f);
            }
        }
    }

    /** Weights of output channels {@code o0 .. o0+ob} as floats, tile rows past {@code ob} zero. */
    private void widen(float[] weights, int o0, int ob, int taps) {
        for (int j = 0; j < OB; j++) {
            if (j >= ob) {
                Arrays.fill(weights, j * taps, (j + 1) * taps, 0f);
                continue;
            }
            long first = (long) (o0 + j) * taps;
            for (int t = 0; t < taps; t++) weights[j * taps + t] = w.type().read(w.data(), first + t);
        }
    }

    private void outputRow(Scratch s, int b, int y0, int r, int o0, int ob, int tileRows, int padW, int taps) {
        float[] rows = s.rows, wt = s.weights;
        int y = y0 + r, ph = kh / 2;
        // Input rows above or below the image are all zeros; skipping them changes no sum.
        int dyLo = Math.max(0, ph - y), dyHi = Math.min(kh, h + ph - y);
        float b0 = bias(o0), b1 = bias(o0 + 1), b2 = bias(o0 + 2), b3 = bias(o0 + 3);
        long step = (long) h * wd * Float.BYTES;
        for (int x0 = 0; x0 < wd; x0 += 2 * L) {
            FloatVector a0 = FloatVector.broadcast(F, b0), a1 = FloatVector.broadcast(F, b1);
            FloatVector a2 = FloatVector.broadcast(F, b2), a3 = FloatVector.broadcast(F, b3);
            FloatVector c0 = a0, c1 = a1, c2 = a2, c3 = a3;
            for (int i = 0; i < cin; i++) {
                for (int dy = dyLo; dy < dyHi; dy++) {
                    int base = (i * tileRows + r + dy) * padW + x0;
                    int t = (i * kh + dy) * kw;
                    for (int dx = 0; dx < kw; dx++, t++) {
                        FloatVector u = FloatVector.fromArray(F, rows, base + dx);
                        FloatVector v = FloatVector.fromArray(F, rows, base + dx + L);
                        FloatVector w0 = FloatVector.broadcast(F, wt[t]);
                        FloatVector w1 = FloatVector.broadcast(F, wt[taps + t]);
                        FloatVector w2 = FloatVector.broadcast(F, wt[2 * taps + t]);
                        FloatVector w3 = FloatVector.broadcast(F, wt[3 * taps + t]);
                        a0 = u.fma(w0, a0);
                        c0 = v.fma(w0, c0);
                        a1 = u.fma(w1, a1);
                        c1 = v.fma(w1, c1);
                        a2 = u.fma(w2, a2);
                        c2 = v.fma(w2, c2);
                        a3 = u.fma(w3, a3);
                        c3 = v.fma(w3, c3);
                    }
                }
            }
            // Stores written out here rather than in a helper: a vector passed to a method C2 does not
            // inline is boxed, and this method is large (see VectorMath).
            long off = (oBase + (((long) b * cout + o0) * h + y) * wd + x0) * Float.BYTES;
            VectorMask<Float> m = F.indexInRange(x0, wd);
            VectorMask<Float> n = F.indexInRange(x0 + L, wd);
            if (x0 + 2 * L <= wd) {
                a0.intoMemorySegment(oSeg, off, NATIVE);
                c0.intoMemorySegment(oSeg, off + (long) L * Float.BYTES, NATIVE);
                if (ob > 1) {
                    a1.intoMemorySegment(oSeg, off + step, NATIVE);
                    c1.intoMemorySegment(oSeg, off + step + (long) L * Float.BYTES, NATIVE);
                }
                if (ob > 2) {
                    a2.intoMemorySegment(oSeg, off + 2 * step, NATIVE);
                    c2.intoMemorySegment(oSeg, off + 2 * step + (long) L * Float.BYTES, NATIVE);
                }
                if (ob > 3) {
                    a3.intoMemorySegment(oSeg, off + 3 * step, NATIVE);
                    c3.intoMemorySegment(oSeg, off + 3 * step + (long) L * Float.BYTES, NATIVE);
                }
            } else {
                a0.intoMemorySegment(oSeg, off, NATIVE, m);
                c0.intoMemorySegment(oSeg, off + (long) L * Float.BYTES, NATIVE, n);
                if (ob > 1) {
                    a1.intoMemorySegment(oSeg, off + step, NATIVE, m);
                    c1.intoMemorySegment(oSeg, off + step + (long) L * Float.BYTES, NATIVE, n);
                }
                if (ob > 2) {
                    a2.intoMemorySegment(oSeg, off + 2 * step, NATIVE, m);
                    c2.intoMemorySegment(oSeg, off + 2 * step + (long) L * Float.BYTES, NATIVE, n);
                }
                if (ob > 3) {
                    a3.intoMemorySegment(oSeg, off + 3 * step, NATIVE, m);
                    c3.intoMemorySegment(oSeg, off + 3 * step + (long) L * Float.BYTES, NATIVE, n);
                }
            }
        }
    }

    private float bias(int o) {
        if (biasSeg == null || o >= cout) return 0f;
        return biasSeg.get(Simd.FLOAT, (biasBase + o) * Float.BYTES);
    }
}
