package flowscale.kernels.cpu;

import flowscale.kernels.WeightType;
import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static flowscale.kernels.cpu.GemmKernel.NR;

/**
 * A narrow weight {@code W[N, K]} (BF16, F16: 2 bytes; F8_E4M3: 1 byte) in the panel layout of
 * {@link PackedPanels}, element for element, but each element kept as its stored bits in off-heap memory: a
 * half or a quarter of the bytes of a float32 panel, and no float32 copy of the model. {@link GemmJob} widens
 * one {@code KC x NR} slice of a panel at a time into a float32 buffer that stays in L1 and runs the float32
 * micro-kernel over it; the widening is exact and costs one conversion per weight per block of
 * {@link GemmJob#MC} rows, against {@code MC} FMAs. Products of one or two rows of BF16 weights, which read each
 * weight once, widen in registers instead ({@link GemmKernel#multiplyTwoRowsBf16}).
 */
final class HalfPanels implements PackedWeight {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final int n, k;
    final WeightType format;
    /**
     * {@code panels(n) * k * NR} elements of {@code format.bytes()} bytes (16-bit ones in native order):
     * {@code data[p*K*NR + k*NR + j] = W[p*NR + j, k]}, zero past N.
     */
    final MemorySegment data;

    private HalfPanels(int n, int k, WeightType format, MemorySegment data) {
        this.n = n;
        this.k = k;
        this.format = format;
        this.data = data;
    }

    /** Packs {@code src} (row-major little-endian elements of {@code format}, {@code W[n, k]}) into {@code dst}. */
    static HalfPanels pack(MemorySegment src, WeightType format, int n, int k, MemorySegment dst) {
        if (dst.byteSize() < bytes(format, n, k)) throw new IllegalArgumentException("packed buffer too small for [" + n + ", " + k + "]");
        boolean oneByte = format.bytes() == 1;
        for (int p = 0, panels = PackedPanels.panels(n); p < panels; p++) {
            long base = (long) p * k * NR;
            for (int j = 0; j < NR; j++) {
                int row = p * NR + j;
                for (int kk = 0; kk < k; kk++) {
                    long from = (long) row * k + kk, to = base + (long) kk * NR + j;
                    if (oneByte) {
                        dst.set(ValueLayout.JAVA_BYTE, to, row < n ? src.get(ValueLayout.JAVA_BYTE, from) : 0);
                    } else {
                        dst.setAtIndex(ValueLayout.JAVA_SHORT, to, row < n ? src.get(LE_SHORT, 2 * from) : 0);
                    }
                }
            }
        }
        return new HalfPanels(n, k, format, dst);
    }

    /** Bytes the packed layout of an {@code n x k} weight of {@code format} needs. */
    static long bytes(WeightType format, int n, int k) {
        return (long) format.bytes() * PackedPanels.panels(n) * k * NR;
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
