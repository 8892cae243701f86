package flowscale.kernels.opencl;

import flowscale.kernels.Tensor;

import java.util.Arrays;

/**
 * A tensor seen the way the kernels address it: {@code rows x cols} floats of one buffer, starting at
 * element {@code offset}, rows {@code ld} elements apart, columns contiguous. Any tensor whose
 * innermost dimension is unit-stride and whose outer dimensions collapse into one row index fits.
 */
record ClView(ClStorage storage, long offset, int rows, int cols, long ld) {

    long size() {
        return (long) rows * cols;
    }

    /** Whether the view is one contiguous run of floats. */
    boolean contiguous() {
        return rows <= 1 || ld == cols;
    }

    static ClView of(OpenClBackend backend, Tensor t, String what) {
        ClStorage s = backend.storageOf(t, what);
        int rank = t.rank();
        if (rank == 0) return new ClView(s, t.offset(), 1, 1, 1);
        long cols = t.dim(rank - 1);
        if (cols > 1 && t.stride(rank - 1) != 1) {
            throw new IllegalArgumentException(what + ": the innermost dimension must be contiguous, got " + t);
        }
        long rows = 1;
        for (int i = 0; i < rank - 1; i++) rows *= t.dim(i);
        long ld = Math.max(cols, 1);
        // The row stride is that of the innermost outer dimension that is not of size 1; the other
        // outer dimensions must step like one index over rows (size-1 dimensions step nowhere).
        int inner = -1;
        for (int i = rank - 2; i >= 0 && inner < 0; i--) {
            if (t.dim(i) != 1) inner = i;
        }
        if (inner >= 0 && rows > 1) {
            ld = t.stride(inner);
            long expected = ld;
            for (int i = inner; i >= 0; i--) {
                if (t.dim(i) == 1) continue;
                if (t.stride(i) != expected) {
                    throw new IllegalArgumentException(what + ": view " + Arrays.toString(t.shape()) + " strides "
                            + Arrays.toString(t.strides()) + " does not collapse to rows x cols");
                }
                expected *= t.dim(i);
            }
        }
        return new ClView(s, t.offset(), Math.toIntExact(rows), Math.toIntExact(cols), ld);
    }
}
