package flowscale.kernels.cpu;

import flowscale.kernels.WeightType;
import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static flowscale.kernels.cpu.GemmKernel.NR;

/**
 * A 16-bit weight {@code W[N, K]} in the panel layout of {@link PackedPanels}, element for element, but
 * each element kept as its 16 stored bits in off-heap memory: half the bytes of a float32 panel, and no
 * float32 copy of the model. {@link GemmJob} widens one {@code KC x NR} slice of a panel at a time into
 * a float32 buffer that stays in L1 and runs the float32 micro-kernel over it; the widening is exact and
 * costs one conversion per weight per block of {@link GemmJob#MC} rows, against {@code MC} FMAs. Products of one
 * or two rows of BF16 weights, which read each weight once, widen in registers instead
 * ({@link GemmKernel#multiplyTwoRowsBf16}).
 */
final class HalfPanels implements PackedWeight {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final int n, k;
    final WeightType format;
    /** {@code panels(n) * k * NR} shorts in native order: {@code data[p*K*NR + k*NR + j] = W[p*NR + j, k]}, zero past N. */
    final MemorySegment data;

    private HalfPanels(int n, int k, WeightType format, MemorySegment data) {
        this.n = n;
        this.k = k;
        this.format = format;
        this.data = data;
    }

    /** Packs {@code src} (row-major little-endian 16-bit elements of {@code W[n, k]}) into {@code dst}. */
    static HalfPanels pack(MemorySegment src, WeightType format, int n, int k, MemorySegment dst) {
        if (dst.byteSize() < bytes(n, k)) throw new IllegalArgumentException("packed buffer too small for [" + n + ", " + k + "]");
        for (int p = 0, panels = PackedPanels.panels(n); p < panels; p++) {
            long base = (long) p * k * NR;
            for (int j = 0; j < NR; j++) {
                int row = p * NR + j;
                for (int kk = 0; kk < k; kk++) {
                    short bits = row < n ? src.get(LE_SHORT, 2 * ((long) row * k + kk)) : 0;
                    dst.setAtIndex(ValueLayout.JAVA_SHORT, base + (long) kk * NR + j, bits);
                }
            }
        }
        return new HalfPanels(n, k, format, dst);
    }

    /** Bytes the packed layout of an {@code n x k} weight needs. */
    static long bytes(int n, int k) {
        return 2L * PackedPanels.panels(n) * k * NR;
    }

    @Override
    public int outFeatures() {
        return n;
    }

    @Override
    public int inFeatures() {
        return k;
    }

    @Override
    public Tensor source() {
        return null;
    }
}
