package flowscale.kernels.cpu;

import flowscale.kernels.HostConvWeight;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.L;

/**
 * Direct NCHW convolution, stride 1, "same" zero padding. Work items are tiles of {@link #RT} output rows
 * of one image, one contiguous range of tiles per chunk. For a tile, the {@code RT + kh - 1} input rows of
 * every input channel that it reads are copied into scratch with the padding written as zeros (so the inner
 * loop has no bounds tests, and rows outside the image are zeros). Then for each group of {@link #OB} output channels the group's weights are
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
        final float[] tile = new float[OB * 2 * L];
        int[] offsets = new int[0];

        void ensure(int rowFloats, int weightFloats, int taps) {
            if (rows.length < rowFloats) rows = new float[rowFloats];
            if (weights.length < weightFloats) weights = new float[weightFloats];
            if (offsets.length < taps) offsets = new int[taps];
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
        s.ensure(cin * tileRows * padW, OB * taps, taps);
        // Where tap (i, dy, dx) reads in scratch, relative to the output row's first pixel. Taps that fall on
        // rows outside the image read zeros there, so every row runs the same flat loop.
        for (int i = 0; i < cin; i++) {
            for (int dy = 0; dy < kh; dy++) {
                for (int dx = 0; dx < kw; dx++) s.offsets[(i * kh + dy) * kw + dx] = (i * tileRows + dy) * padW + dx;
            }
        }
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
        int y = y0 + r;
        float b0 = bias(o0), b1 = bias(o0 + 1), b2 = bias(o0 + 2), b3 = bias(o0 + 3);
        long step = (long) h * wd * Float.BYTES;
        long rowOff = (oBase + (((long) b * cout + o0) * h + y) * wd) * Float.BYTES;
        for (int x0 = 0; x0 < wd; x0 += 2 * L) {
            tile(s.rows, r * padW + x0, s.weights, taps, s.offsets, s.tile, b0, b1, b2, b3);
            int n = Math.min(2 * L, wd - x0);
            for (int j = 0; j < ob; j++) {
                MemorySegment.copy(s.tile, j * 2 * L, oSeg, Simd.FLOAT, rowOff + j * step + (long) x0 * Float.BYTES, n);
            }
        }
    }

    /**
     * The micro-kernel: {@code tile[j * 2L + l] = bias_j + sum_t wt[j * taps + t] * rows[base + offsets[t] + l]}
     * for the {@link #OB} output channels j and {@code 2L} pixels l. One flat loop over the taps with the eight
     * accumulators in registers; kept small and vector-free at its boundary (arrays in, array out) so that C2
     * compiles it to plain FMAs without boxing a vector (see {@link VectorMath}, and {@link GemmKernel}).
     */
    static void tile(float[] rows, int base, float[] wt, int taps, int[] offsets, float[] tile,
                     float b0, float b1, float b2, float b3) {
        FloatVector a0 = FloatVector.broadcast(F, b0), a1 = FloatVector.broadcast(F, b1);
        FloatVector a2 = FloatVector.broadcast(F, b2), a3 = FloatVector.broadcast(F, b3);
        FloatVector c0 = a0, c1 = a1, c2 = a2, c3 = a3;
        for (int t = 0; t < taps; t++) {
            int at = base + offsets[t];
            FloatVector u = FloatVector.fromArray(F, rows, at);
            FloatVector v = FloatVector.fromArray(F, rows, at + L);
            FloatVector w0 = FloatVector.broadcast(F, wt[t]);
            a0 = u.fma(w0, a0);
            c0 = v.fma(w0, c0);
            FloatVector w1 = FloatVector.broadcast(F, wt[taps + t]);
            a1 = u.fma(w1, a1);
            c1 = v.fma(w1, c1);
            FloatVector w2 = FloatVector.broadcast(F, wt[2 * taps + t]);
            a2 = u.fma(w2, a2);
            c2 = v.fma(w2, c2);
            FloatVector w3 = FloatVector.broadcast(F, wt[3 * taps + t]);
            a3 = u.fma(w3, a3);
            c3 = v.fma(w3, c3);
        }
        a0.intoArray(tile, 0);
        c0.intoArray(tile, L);
        a1.intoArray(tile, 2 * L);
        c1.intoArray(tile, 3 * L);
        a2.intoArray(tile, 4 * L);
        c2.intoArray(tile, 5 * L);
        a3.intoArray(tile, 6 * L);
        c3.intoArray(tile, 7 * L);
    }

    private float bias(int o) {
        if (biasSeg == null || o >= cout) return 0f;
        return biasSeg.get(Simd.FLOAT, (biasBase + o) * Float.BYTES);
    }
}
