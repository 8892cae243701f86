package flowscale.kernels.cpu;

import flowscale.kernels.WeightType;
import flowscale.loader.FloatConversions;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static flowscale.kernels.cpu.GemmKernel.MR;
import static flowscale.kernels.cpu.GemmKernel.NR;
import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.L;
import static flowscale.kernels.cpu.Simd.NATIVE;

/**
 * {@code C = op(A) B} with B already in panel layout ({@link PackedPanels}), blocked for cache: each
 * worker takes its rows {@link #MC} at a time (that block of C stays in L2), and for each K block of
 * {@link #KC} stages those rows of A in MR-row tiles (L2 resident; a row-major tile is one bulk copy per row,
 * which the micro-kernel reads as eight streams, so no per-element interleaving) and sweeps its B panels across
 * them (one K block of a panel is {@code KC x NR} floats, L1 resident). Chunks own either a contiguous
 * range of MR-row tiles or, when M is small, a contiguous range of B panels, so no two chunks write the
 * same part of C.
 *
 * <p>Two epilogues: {@code LINEAR} ({@code C = acc + bias}) and {@code GEMM} ({@code C = alpha acc + beta C},
 * with the old C ignored when {@code beta == 0}). Later K blocks add into C.
 */
final class GemmJob implements WorkerPool.Job {
    static final int KC = 256;
    static final int MC = 128;

    /**
     * Work worth a chunk of its own: ~3-5 µs at full speed. A worker that is slow to wake costs the caller
     * nothing (it runs the chunk itself, see {@link WorkerPool}), so a chunk only has to outweigh the claim
     * and the wait for a running chunk. On a loaded machine keeping one or two particles on the caller
     * (16 MFLOP chunks) measured faster, but on a quiet one it made two particles' forward 1.5x slower than
     * splitting them (bench/RESULTS.md, "Small-batch forward"), and a quiet machine is the one that counts.
     */
    static final long MIN_CHUNK_FLOPS = 1L << 19;

    enum Phase { PACK_B, MULTIPLY }

    // operands (set by the backend before each run)
    MemorySegment aSeg;
    long aBase, aRowStride; // elements
    boolean transA;
    float[] b; // packed panels
    /** Packed narrow panels ({@link HalfPanels}) instead of {@link #b}, widened per K block; null for float32. */
    MemorySegment bHalf;
    WeightType halfFormat;
    MemorySegment cSeg;
    long cBase, cRowStride; // elements
    MemorySegment biasSeg;
    long biasBase;
    boolean linear;
    float alpha, beta;
    int m, n, k;
    boolean splitN;
    Phase phase = Phase.MULTIPLY;

    // the unpacked B for the PACK_B phase of a general gemm
    MemorySegment bSeg;
    long bBase, bRowStride;
    boolean transB;

    private Scratch[] scratch = new Scratch[0];

    private static final class Scratch {
        final float[] aPack = new float[MC * KC];
        final float[] tile = new float[MR * NR];
        /** A transposed A's K block of a tile, MR rows interleaved per k. */
        final float[] packed = new float[KC * MR];
        /** One K block of one narrow panel, widened: {@code KC x NR} floats, L1 resident. */
        final float[] bWide = new float[KC * NR];
        float[] bRow = new float[0];
    }

    void ensureChunks(int threads) {
        if (scratch.length < threads) {
            Scratch[] grown = new Scratch[threads];
            for (int i = 0; i < threads; i++) grown[i] = i < scratch.length ? scratch[i] : new Scratch();
            scratch = grown;
        }
    }

    /** Chooses the partition and returns how many chunks are worth running. */
    int plan(int threads) {
        int tilesM = (m + MR - 1) / MR, panels = PackedPanels.panels(n);
        long flops = 2L * m * n * Math.max(k, 1);
        int useful = (int) Math.max(1, Math.min(threads, flops / MIN_CHUNK_FLOPS));
        // split N when M is too short to give every chunk a few full tiles
        splitN = tilesM < 4 * useful && panels >= useful;
        return Math.max(1, Math.min(useful, splitN ? panels : tilesM));
    }

    @Override
    public void run(int chunk, int chunks) {
        Scratch s = scratch[chunk];
        if (phase == Phase.PACK_B) {
            int panels = PackedPanels.panels(n);
            packB(s, panels * chunk / chunks, panels * (chunk + 1) / chunks);
            return;
        }
        int tilesM = (m + MR - 1) / MR, panels = PackedPanels.panels(n);
        int mLo = 0, mHi = m, pLo = 0, pHi = panels;
        if (splitN) {
            pLo = panels * chunk / chunks;
            pHi = panels * (chunk + 1) / chunks;
        } else {
            mLo = Math.min(m, tilesM * chunk / chunks * MR);
            mHi = Math.min(m, tilesM * (chunk + 1) / chunks * MR);
        }
        multiply(s, mLo, mHi, pLo, pHi);
    }

    private void multiply(Scratch s, int mLo, int mHi, int pLo, int pHi) {
        int kBlocks = Math.max(1, (k + KC - 1) / KC);
        long panelStride = (long) k * NR;
        // M blocks outside K blocks: an MC x N block of C stays in L2 while every K block adds into it
        for (int mc0 = mLo; mc0 < mHi; mc0 += MC) {
            int mc = Math.min(MC, mHi - mc0);
            int tiles = (mc + MR - 1) / MR;
            for (int kb = 0; kb < kBlocks; kb++) {
                int k0 = kb * KC, kc = Math.min(KC, k - k0);
                boolean first = kb == 0;
                packA(s, mc0, mc, k0, kc);
                int p = pLo;
                if (mc <= 2 && bHalf == null) {
                    // one or two rows: WIDE panels per kernel call instead of six wasted rows per panel
                    // (BF16 weights take the register-widening branch next, F16 and F8 the panel-at-a-time path below)
                    for (; p + GemmKernel.WIDE <= pHi; p += GemmKernel.WIDE) {
                        GemmKernel.multiplyTwoRows(s.aPack, 0, kc, b, (int) (p * panelStride + (long) k0 * NR), (int) panelStride,
                                kc, s.tile);
                        for (int q = 0; q < GemmKernel.WIDE; q++) store(s.tile, q * 2 * NR, mc0, mc, (p + q) * NR, first);
                    }
                } else if (mc <= 2 && halfFormat == WeightType.BF16 && GemmKernel.VECTOR_HALVES) {
                    // the same for BF16, widened in registers: these products are bound by the weight bytes, which
                    // the panel-at-a-time path below (widen into L1, then eight rows) does not exploit
                    for (; p + GemmKernel.WIDE <= pHi; p += GemmKernel.WIDE) {
                        GemmKernel.multiplyTwoRowsBf16(s.aPack, 0, kc, bHalf, p * panelStride + (long) k0 * NR, panelStride, kc, s.tile);
                        for (int q = 0; q < GemmKernel.WIDE; q++) store(s.tile, q * 2 * NR, mc0, mc, (p + q) * NR, first);
                    }
                }
                for (; p < pHi; p++) {
                    long panelOff = p * panelStride + (long) k0 * NR;
                    float[] bp = b;
                    int bOff = (int) panelOff;
                    if (bHalf != null) {
                        widen(bHalf, panelOff, kc * NR, s.bWide);
                        bp = s.bWide;
                        bOff = 0;
                    }
                    for (int t = 0; t < tiles; t++) {
                        GemmKernel.multiply(s.aPack, t * kc * MR, kc, bp, bOff, kc, s.tile);
                        store(s.tile, 0, mc0 + t * MR, Math.min(MR, mc - t * MR), p * NR, first);
                    }
                }
            }
        }
    }

    private static final VectorSpecies<Short> HALVES = GemmKernel.HALVES;
    private static final VectorSpecies<Integer> INTS = GemmKernel.INTS;
    private static final boolean VECTOR_WIDEN = GemmKernel.VECTOR_HALVES;

    /** 2^(127 - 15): rescales a half's magnitude bits placed in a float32's exponent and mantissa fields. */
    private static final float F16_RESCALE = 0x1p112f;

    /**
     * {@code dst[i] = float(src[start + i])} for {@code i < count} ({@code count} a multiple of NR). BF16 is
     * the upper half of a float32, so widening is a sign-extending convert and a 16-bit shift per lane. F16's
     * 15 magnitude bits shifted into a float32's exponent and mantissa fields are the half's value times
     * 2^-112, exactly (float32's wider exponent holds the half's subnormals as normals), so one multiplication
     * rescales them; an all-ones half exponent (infinity, NaN) becomes an all-ones float32 exponent instead,
     * NaNs quietened as {@link Float#float16ToFloat} does, and the sign is or-ed in last. F8_E4M3 is one byte per
     * element, so {@code start} is also its byte offset; the loader's widening does it, by the same trick.
     * All are exact.
     */
    private void widen(MemorySegment src, long start, int count, float[] dst) {
        if (halfFormat == WeightType.F8_E4M3) {
            FloatConversions.f8e4m3ToF32(src, start, dst, 0, count);
            return;
        }
        if (VECTOR_WIDEN) {
            boolean bf16 = halfFormat == WeightType.BF16;
            for (int i = 0; i < count; i += L) {
                ShortVector h = ShortVector.fromMemorySegment(HALVES, src, 2 * (start + i), NATIVE);
                IntVector raw = (IntVector) h.convertShape(VectorOperators.S2I, INTS, 0);
                if (bf16) {
                    raw.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, i);
                    continue;
                }
                IntVector magnitude = raw.and(0x7fff);
                IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
                IntVector bits = shifted.reinterpretAsFloats().mul(F16_RESCALE).reinterpretAsInts();
                bits = bits.blend(shifted.or(0x7f80_0000), magnitude.compare(VectorOperators.GE, 0x7c00));
                bits = bits.blend(shifted.or(0x7fc0_0000), magnitude.compare(VectorOperators.GT, 0x7c00));
                bits.or(raw.lanewise(VectorOperators.LSHL, 16).and(0x8000_0000)).reinterpretAsFloats().intoArray(dst, i);
            }
            return;
        }
        for (int i = 0; i < count; i++) {
            dst[i] = halfFormat.toFloat(src.getAtIndex(ValueLayout.JAVA_SHORT, start + i));
        }
    }

    /** Lane j reads element {@code j * MR}: one row's run of L consecutive k from an MR-interleaved block. */
    private static final int[] INTERLEAVED = java.util.stream.IntStream.range(0, L).map(j -> j * MR).toArray();

    /**
     * Stages rows {@code [m0, m0+mc)} x columns {@code [k0, k0+kc)} of op(A) as row-major MR-row tiles of {@code MR x kc}
     * floats, zero-padded to whole tiles: a row of A is one bulk copy; a transposed A's tile is copied k by k (its MR
     * rows are contiguous there), then each row gathered out of that, a vector of k at a time.
     */
    private void packA(Scratch s, int m0, int mc, int k0, int kc) {
        float[] dst = s.aPack;
        int tiles = (mc + MR - 1) / MR;
        for (int t = 0; t < tiles; t++) {
            int base = t * kc * MR;
            int rows = Math.min(MR, mc - t * MR);
            if (!transA) {
                for (int i = 0; i < rows; i++) {
                    long off = (aBase + (long) (m0 + t * MR + i) * aRowStride + k0) * Float.BYTES;
                    MemorySegment.copy(aSeg, Simd.FLOAT, off, dst, base + i * kc, kc);
                }
            } else {
                // k by k, the tile's MR rows are contiguous in A: copy them interleaved, then gather each row's k run
                float[] packed = s.packed;
                for (int kk = 0; kk < kc; kk++) {
                    long off = (aBase + (long) (k0 + kk) * aRowStride + m0 + t * MR) * Float.BYTES;
                    MemorySegment.copy(aSeg, Simd.FLOAT, off, packed, kk * MR, rows);
                }
                int body = F.loopBound(kc);
                for (int i = 0; i < rows; i++) {
                    int kk = 0;
                    for (; kk < body; kk += L) FloatVector.fromArray(F, packed, kk * MR + i, INTERLEAVED, 0).intoArray(dst, base + i * kc + kk);
                    for (; kk < kc; kk++) dst[base + i * kc + kk] = packed[kk * MR + i];
                }
            }
            if (rows < MR) java.util.Arrays.fill(dst, base + rows * kc, base + MR * kc, 0f);
        }
    }

    /** Packs panels {@code [pLo, pHi)} of op(B)^T into {@link #b} (the general-gemm path). */
    private void packB(Scratch s, int pLo, int pHi) {
        for (int p = pLo; p < pHi; p++) {
            int base = p * k * NR;
            int cols = Math.min(NR, n - p * NR);
            if (transB) {
                // b is [N, K]: panel column j is row p*NR + j of b
                if (s.bRow.length < k) s.bRow = new float[k];
                for (int j = 0; j < NR; j++) {
                    if (j < cols) {
                        long off = (bBase + (long) (p * NR + j) * bRowStride) * Float.BYTES;
                        MemorySegment.copy(bSeg, Simd.FLOAT, off, s.bRow, 0, k);
                        for (int kk = 0, o = base + j; kk < k; kk++, o += NR) b[o] = s.bRow[kk];
                    } else {
                        for (int kk = 0, o = base + j; kk < k; kk++, o += NR) b[o] = 0f;
                    }
                }
            } else {
                // b is [K, N]: panel row kk is a contiguous piece of row kk of b
                for (int kk = 0; kk < k; kk++) {
                    long off = (bBase + (long) kk * bRowStride + (long) p * NR) * Float.BYTES;
                    int o = base + kk * NR;
                    MemorySegment.copy(bSeg, Simd.FLOAT, off, b, o, cols);
                    for (int j = cols; j < NR; j++) b[o + j] = 0f;
                }
            }
        }
    }

    /**
     * Writes rows {@code [row0, row0+rows)} x columns {@code [col0, col0+NR)} (clipped to N) of the tile
     * (its rows {@code NR} floats apart from {@code tileOff}) into C. Every vector stays a local of this one
     * method: a vector passed to or returned from a call that C2 declines to inline would be boxed on the heap.
     */
    private void store(float[] tile, int tileOff, int row0, int rows, int col0, boolean first) {
        boolean addBias = linear && first && biasSeg != null;
        boolean readC = linear ? !first : !(first && beta == 0f);
        float cScale = linear ? 1f : (first ? beta : 1f);
        float accScale = linear ? 1f : alpha;
        for (int i = 0; i < rows; i++) {
            long rowOff = (cBase + (long) (row0 + i) * cRowStride) * Float.BYTES;
            for (int v = 0; v < NR; v += L) {
                int col = col0 + v;
                if (col >= n) break;
                long off = rowOff + (long) col * Float.BYTES;
                long biasOff = (biasBase + col) * Float.BYTES;
                FloatVector r = FloatVector.fromArray(F, tile, tileOff + i * NR + v).mul(accScale);
                if (col + L <= n) {
                    if (addBias) r = r.add(FloatVector.fromMemorySegment(F, biasSeg, biasOff, NATIVE));
                    if (readC) r = r.add(FloatVector.fromMemorySegment(F, cSeg, off, NATIVE).mul(cScale));
                    r.intoMemorySegment(cSeg, off, NATIVE);
                } else {
                    VectorMask<Float> m = F.indexInRange(col, n);
                    if (addBias) r = r.add(FloatVector.fromMemorySegment(F, biasSeg, biasOff, NATIVE, m));
                    if (readC) r = r.add(FloatVector.fromMemorySegment(F, cSeg, off, NATIVE, m).mul(cScale));
                    r.intoMemorySegment(cSeg, off, NATIVE, m);
                }
            }
        }
    }
}
