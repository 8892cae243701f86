package flowscale.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.L;
import static flowscale.kernels.cpu.Simd.NATIVE;

/**
 * The register-tiled SGEMM micro-kernel: an {@code MR x NR} block of C ({@code MR} = 8 rows, {@code NR}
 * = two vectors of columns) held in 16 vector accumulators while one K block streams through. Each
 * step loads two vectors of a packed B panel and broadcasts eight A values (one per row), for 16 independent
 * FMAs: enough chains to cover the FMA latency on both pipes, and 19 live vector registers.
 */
final class GemmKernel {
    static final int MR = 8;
    static final int NR = 2 * L;

    private GemmKernel() {}

    /**
     * {@code tile[i*NR + j] = sum_{k < kc} a[ai + i*lda + k] * b[bi + k*NR + j]} for the row-major A tile at
     * {@code ai} ({@code MR} rows {@code lda} apart) and packed B panel slice at {@code bi} ({@code kc x NR}). A is
     * read as eight streams, so staging it is a bulk copy per row; the step along k is the constant 1, which lets C2
     * drop the array's range checks from the loop.
     */
    static void multiply(float[] a, int ai, int lda, float[] b, int bi, int kc, float[] tile) {
        int o1 = lda, o2 = 2 * lda, o3 = 3 * lda, o4 = 4 * lda, o5 = 5 * lda, o6 = 6 * lda, o7 = 7 * lda;
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        FloatVector c60 = FloatVector.zero(F), c61 = FloatVector.zero(F);
        FloatVector c70 = FloatVector.zero(F), c71 = FloatVector.zero(F);
        for (int k = 0; k < kc; k++) {
            FloatVector b0 = FloatVector.fromArray(F, b, bi);
            FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
            FloatVector a0 = FloatVector.broadcast(F, a[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(F, a[ai + o1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(F, a[ai + o2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(F, a[ai + o3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(F, a[ai + o4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(F, a[ai + o5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(F, a[ai + o6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(F, a[ai + o7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
            ai++;
            bi += NR;
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + L);
    }

    /** Panels per call of {@link #multiplyTwoRows}. */
    static final int WIDE = 4;

    /**
     * The first two rows of {@link #multiply} for {@link #WIDE} B panels at once (at {@code bi},
     * {@code bi + panelStride}, ...): {@code tile[(q*2 + i)*NR + j]} for panel q and row i. For products of
     * one or two rows (the adaLN and embedder projections of one or two particles) this skips the six
     * zero rows of the 8-row kernel and still keeps 16 independent FMA chains. Every element is the same
     * chain of FMAs, in the same order from zero, as in {@link #multiply}, so the two give the same bits.
     */
    static void multiplyTwoRows(float[] a, int ai, int lda, float[] b, int bi, int panelStride, int kc, float[] tile) {
        FloatVector p00 = FloatVector.zero(F), p01 = FloatVector.zero(F), p10 = FloatVector.zero(F), p11 = FloatVector.zero(F);
        FloatVector q00 = FloatVector.zero(F), q01 = FloatVector.zero(F), q10 = FloatVector.zero(F), q11 = FloatVector.zero(F);
        FloatVector r00 = FloatVector.zero(F), r01 = FloatVector.zero(F), r10 = FloatVector.zero(F), r11 = FloatVector.zero(F);
        FloatVector s00 = FloatVector.zero(F), s01 = FloatVector.zero(F), s10 = FloatVector.zero(F), s11 = FloatVector.zero(F);
        int b1 = bi + panelStride, b2 = b1 + panelStride, b3 = b2 + panelStride;
        for (int k = 0; k < kc; k++) {
            FloatVector a0 = FloatVector.broadcast(F, a[ai]);
            FloatVector a1 = FloatVector.broadcast(F, a[ai + lda]);
            FloatVector x0 = FloatVector.fromArray(F, b, bi), x1 = FloatVector.fromArray(F, b, bi + L);
            p00 = a0.fma(x0, p00);
            p01 = a0.fma(x1, p01);
            p10 = a1.fma(x0, p10);
            p11 = a1.fma(x1, p11);
            FloatVector y0 = FloatVector.fromArray(F, b, b1), y1 = FloatVector.fromArray(F, b, b1 + L);
            q00 = a0.fma(y0, q00);
            q01 = a0.fma(y1, q01);
            q10 = a1.fma(y0, q10);
            q11 = a1.fma(y1, q11);
            FloatVector z0 = FloatVector.fromArray(F, b, b2), z1 = FloatVector.fromArray(F, b, b2 + L);
            r00 = a0.fma(z0, r00);
            r01 = a0.fma(z1, r01);
            r10 = a1.fma(z0, r10);
            r11 = a1.fma(z1, r11);
            FloatVector w0 = FloatVector.fromArray(F, b, b3), w1 = FloatVector.fromArray(F, b, b3 + L);
            s00 = a0.fma(w0, s00);
            s01 = a0.fma(w1, s01);
            s10 = a1.fma(w0, s10);
            s11 = a1.fma(w1, s11);
            ai++;
            bi += NR;
            b1 += NR;
            b2 += NR;
            b3 += NR;
        }
        p00.intoArray(tile, 0);
        p01.intoArray(tile, L);
        p10.intoArray(tile, NR);
        p11.intoArray(tile, NR + L);
        q00.intoArray(tile, 2 * NR);
        q01.intoArray(tile, 2 * NR + L);
        q10.intoArray(tile, 3 * NR);
        q11.intoArray(tile, 3 * NR + L);
        r00.intoArray(tile, 4 * NR);
        r01.intoArray(tile, 4 * NR + L);
        r10.intoArray(tile, 5 * NR);
        r11.intoArray(tile, 5 * NR + L);
        s00.intoArray(tile, 6 * NR);
        s01.intoArray(tile, 6 * NR + L);
        s10.intoArray(tile, 7 * NR);
        s11.intoArray(tile, 7 * NR + L);
    }

    /** Short lanes matching the float lanes of {@link Simd#F}: one 16-bit load widens to one float vector. */
    static final VectorSpecies<Short> HALVES =
            VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 2)));
    static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, F.vectorShape());
    /** Whether 16-bit weights can be widened a whole float vector at a time (always, for the species we choose). */
    static final boolean VECTOR_HALVES = HALVES.length() == L;

    /**
     * {@link #multiplyTwoRows} reading BF16 panels ({@link HalfPanels}) in place: {@code b} holds 16-bit elements,
     * {@code bi} and {@code panelStride} count elements. Each B vector is widened in registers as it is loaded
     * (sign-extend, shift left 16: exact), so one or two rows (the batch-1 modulation projections) stream half the
     * bytes of the float32 kernel with no widened copy. Every element is the same chain of FMAs, in the same order
     * from zero, as in {@link #multiplyTwoRows} over the widened panels, so the two give the same bits.
     * Requires {@link #VECTOR_HALVES}.
     */
    static void multiplyTwoRowsBf16(float[] a, int ai, int lda, MemorySegment b, long bi, long panelStride, int kc, float[] tile) {
        FloatVector p00 = FloatVector.zero(F), p01 = FloatVector.zero(F), p10 = FloatVector.zero(F), p11 = FloatVector.zero(F);
        FloatVector q00 = FloatVector.zero(F), q01 = FloatVector.zero(F), q10 = FloatVector.zero(F), q11 = FloatVector.zero(F);
        FloatVector r00 = FloatVector.zero(F), r01 = FloatVector.zero(F), r10 = FloatVector.zero(F), r11 = FloatVector.zero(F);
        FloatVector s00 = FloatVector.zero(F), s01 = FloatVector.zero(F), s10 = FloatVector.zero(F), s11 = FloatVector.zero(F);
        long step = 2L * panelStride, half = 2L * L;
        long o0 = 2 * bi, o1 = o0 + step, o2 = o1 + step, o3 = o2 + step; // byte offsets of the four panels
        for (int k = 0; k < kc; k++) {
            FloatVector a0 = FloatVector.broadcast(F, a[ai]);
            FloatVector a1 = FloatVector.broadcast(F, a[ai + lda]);
            FloatVector x0 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, o0, NATIVE).convertShape(VectorOperators.S2I, INTS, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector x1 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, o0 + half, NATIVE).convertShape(VectorOperators.S2I, INTS, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            p00 = a0.fma(x0, p00);
            p01 = a0.fma(x1, p01);
            p10 = a1.fma(x0, p10);
            p11 = a1.fma(x1, p11);
            FloatVector y0 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, o1, NATIVE).convertShape(VectorOperators.S2I, INTS, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector y1 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, o1 + half, NATIVE).convertShape(VectorOperators.S2I, INTS, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            q00 = a0.fma(y0, q00);
            q01 = a0.fma(y1, q01);
            q10 = a1.fma(y0, q10);
            q11 = a1.fma(y1, q11);
            FloatVector z0 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, o2, NATIVE).convertShape(VectorOperators.S2I, INTS, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector z1 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, o2 + half, NATIVE).convertShape(VectorOperators.S2I, INTS, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            r00 = a0.fma(z0, r00);
            r01 = a0.fma(z1, r01);
            r10 = a1.fma(z0, r10);
            r11 = a1.fma(z1, r11);
            FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, o3, NATIVE).convertShape(VectorOperators.S2I, INTS, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector w1 = ((IntVector) ShortVector.fromMemorySegment(HALVES, b, o3 + half, NATIVE).convertShape(VectorOperators.S2I, INTS, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            s00 = a0.fma(w0, s00);
            s01 = a0.fma(w1, s01);
            s10 = a1.fma(w0, s10);
            s11 = a1.fma(w1, s11);
            ai++;
            o0 += 2 * NR;
            o1 += 2 * NR;
            o2 += 2 * NR;
            o3 += 2 * NR;
        }
        p00.intoArray(tile, 0);
        p01.intoArray(tile, L);
        p10.intoArray(tile, NR);
        p11.intoArray(tile, NR + L);
        q00.intoArray(tile, 2 * NR);
        q01.intoArray(tile, 2 * NR + L);
        q10.intoArray(tile, 3 * NR);
        q11.intoArray(tile, 3 * NR + L);
        r00.intoArray(tile, 4 * NR);
        r01.intoArray(tile, 4 * NR + L);
        r10.intoArray(tile, 5 * NR);
        r11.intoArray(tile, 5 * NR + L);
        s00.intoArray(tile, 6 * NR);
        s01.intoArray(tile, 6 * NR + L);
        s10.intoArray(tile, 7 * NR);
        s11.intoArray(tile, 7 * NR + L);
    }
}
