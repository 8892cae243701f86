package flowscale.kernels.cpu;

import flowscale.kernels.Tensor;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.FLOAT;

/**
 * The per-head ops of FLUX.1 (QK-RMSNorm and rotary embedding) as plain loops on the caller's thread.
 * Both touch each element of q and k once, a few flops each, next to GEMMs that spend {@code 2 * D} flops per
 * element of their output: at FLUX's widths they are well under one percent of a block's time, so they
 * are kept short and obviously right rather than vectorised and split over the pool.
 */
final class HeadOps {
    /** Row and table scratch, grown to the widest call seen: steady-state calls allocate nothing. */
    private float[] row = new float[0], aux = new float[0];

    private float[] row(int n) {
        if (row.length < n) row = new float[n];
        return row;
    }

    private float[] aux(int n) {
        if (aux.length < n) aux = new float[n];
        return aux;
    }

    void headRmsNorm(MemorySegment xs, Tensor x, MemorySegment gs, Tensor gamma, float eps, MemorySegment os, Tensor out) {
        int rows = x.rows(), cols = x.cols();
        int hd = Math.toIntExact(gamma.size());
        if (out.rows() != rows || out.cols() != cols) {
            throw new IllegalArgumentException("headRmsNorm: out " + out + " is not the shape of x " + x);
        }
        if (hd == 0 || cols % hd != 0 || !Simd.contiguous(gamma)) {
            throw new IllegalArgumentException("headRmsNorm: gamma " + gamma + " must be contiguous and divide x's " + cols + " columns into heads");
        }
        float[] g = aux(hd);
        MemorySegment.copy(gs, FLOAT, gamma.offset() * Float.BYTES, g, 0, hd);
        float[] row = row(cols);
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(xs, FLOAT, (x.offset() + r * x.rowStride()) * Float.BYTES, row, 0, cols);
            for (int h0 = 0; h0 < cols; h0 += hd) {
                // The sum in double: hd <= 128 terms cost nothing more, and the result is then the
                // reference's to within the final rounding.
                double squares = 0.0;
                for (int j = 0; j < hd; j++) squares += (double) row[h0 + j] * row[h0 + j];
                float inv = (float) (1.0 / Math.sqrt(squares / hd + eps));
                for (int j = 0; j < hd; j++) row[h0 + j] = row[h0 + j] * inv * g[j];
            }
            MemorySegment.copy(row, 0, os, FLOAT, (out.offset() + r * out.rowStride()) * Float.BYTES, cols);
        }
    }

    void rope(MemorySegment xs, Tensor x, MemorySegment ts, Tensor table, int seq, MemorySegment os, Tensor out) {
        int rows = x.rows(), cols = x.cols(), hd = table.cols();
        if (out.rows() != rows || out.cols() != cols) {
            throw new IllegalArgumentException("rope: out " + out + " is not the shape of x " + x);
        }
        if (seq < 1 || table.rows() != seq || rows % seq != 0 || hd == 0 || hd % 2 != 0 || cols % hd != 0) {
            throw new IllegalArgumentException("rope: table " + table + " must be [seq = " + seq + ", even head dim dividing "
                    + cols + "] and x " + x + " whole items of seq rows");
        }
        float[] row = row(cols);
        float[] t = aux(hd);
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(ts, FLOAT, (table.offset() + (long) (r % seq) * table.rowStride()) * Float.BYTES, t, 0, hd);
            MemorySegment.copy(xs, FLOAT, (x.offset() + r * x.rowStride()) * Float.BYTES, row, 0, cols);
            for (int h0 = 0; h0 < cols; h0 += hd) {
                for (int i = 0; i < hd; i += 2) {
                    float c = t[i], s = t[i + 1], a = row[h0 + i], b = row[h0 + i + 1];
                    row[h0 + i] = c * a - s * b;
                    row[h0 + i + 1] = s * a + c * b;
                }
            }
            MemorySegment.copy(row, 0, os, FLOAT, (out.offset() + r * out.rowStride()) * Float.BYTES, cols);
        }
    }
}
