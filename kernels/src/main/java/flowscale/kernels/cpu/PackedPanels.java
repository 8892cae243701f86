package flowscale.kernels.cpu;

import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.GemmKernel.NR;

/**
 * A weight {@code W[N, K]} packed for {@link GemmKernel}: {@code ceil(N / NR)} panels, panel {@code p}
 * holding columns {@code [p*NR, p*NR + NR)} of {@code W^T} as {@code K} rows of {@code NR} floats
 * ({@code data[p*K*NR + k*NR + j] = W[p*NR + j, k]}, zero past N). The micro-kernel then streams one
 * panel with unit stride, and any K block of a panel is one contiguous run.
 */
final class PackedPanels implements PackedWeight {
    final int n, k;
    final float[] data;
    private final Tensor source;

    private PackedPanels(int n, int k, float[] data, Tensor source) {
        this.n = n;
        this.k = k;
        this.data = data;
        this.source = source;
    }

    /** Packs {@code w[N, K]} (a 2-D view with unit column stride) read from {@code seg}. */
    static PackedPanels pack(Tensor w, MemorySegment seg) {
        if (w.rank() != 2 || w.stride(1) != 1) {
            throw new IllegalArgumentException("pack expects a 2-D weight [out, in] with unit column stride, got " + w);
        }
        int n = w.rows(), k = w.cols();
        float[] data = new float[Math.multiplyExact(panels(n), Math.multiplyExact(k, NR))];
        fill(data, n, k, (row, col) -> seg.get(Simd.FLOAT, (w.offset() + row * w.rowStride() + col) * Float.BYTES));
        return new PackedPanels(n, k, data, w);
    }

    static int panels(int n) {
        return (n + NR - 1) / NR;
    }

    /** Reads element (row n, column k) of the weight being packed. */
    interface Source {
        float get(long n, long k);
    }

    /** Writes the panel layout of an {@code n x k} weight given element-wise into {@code data}. */
    static void fill(float[] data, int n, int k, Source w) {
        for (int p = 0, panels = panels(n); p < panels; p++) {
            int base = p * k * NR;
            for (int j = 0; j < NR; j++) {
                int row = p * NR + j;
                if (row < n) {
                    for (int kk = 0; kk < k; kk++) data[base + kk * NR + j] = w.get(row, kk);
                } else {
                    for (int kk = 0; kk < k; kk++) data[base + kk * NR + j] = 0f;
                }
            }
        }
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
        return source;
    }
}
