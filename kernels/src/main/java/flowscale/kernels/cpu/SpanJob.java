package flowscale.kernels.cpu;

import flowscale.kernels.Tensor;

import java.util.Arrays;

/**
 * Base of the element-wise jobs: up to four same-sized operands seen as a {@code rows x cols} grid
 * with unit column stride and a per-operand row stride. When every operand is contiguous the grid is
 * one long row, so a chunk boundary can fall anywhere; otherwise the strided operands must be 2-D views
 * and contiguous ones are read as rows of the same width. Chunk {@code c} of {@code n} owns one
 * contiguous range of the flattened (row-major) index space, cut into per-row spans.
 */
abstract class SpanJob implements WorkerPool.Job {
    /** Chunk boundaries are multiples of this many elements, so vectors stay whole inside a row. */
    private static final long ALIGN = 64;
    /** Longest span handed to a kernel at once (keeps span lengths in int range). */
    private static final long MAX_SPAN = 1 << 30;

    final Operand out = new Operand(), x = new Operand(), y = new Operand(), z = new Operand();
    long rows, cols;

    /**
     * Sets the grid from the given tensors (nulls skipped) and binds each to its operand. The first
     * tensor is always bound to {@code out}, then {@code x}, {@code y}, {@code z}.
     */
    final void bind(CpuBackend mem, Tensor t0, Tensor t1, Tensor t2, Tensor t3) {
        long size = t0.size();
        checkSize(t0, t1, size);
        checkSize(t0, t2, size);
        checkSize(t0, t3, size);
        Tensor strided = firstStrided(t0, t1, t2, t3);
        if (strided == null) {
            rows = size == 0 ? 0 : 1;
            cols = size;
        } else {
            rows = strided.dim(0);
            cols = strided.dim(1);
        }
        bindOne(mem, out, t0);
        bindOne(mem, x, t1);
        bindOne(mem, y, t2);
        bindOne(mem, z, t3);
    }

    private void bindOne(CpuBackend mem, Operand op, Tensor t) {
        if (t == null) {
            op.clear();
            return;
        }
        if (Simd.contiguous(t)) {
            op.set(mem.host(t), t.offset(), cols);
        } else {
            if (t.rank() != 2 || t.dim(0) != rows || t.dim(1) != cols || t.stride(1) != 1) {
                throw new IllegalArgumentException("element-wise operands must be contiguous or 2-D views of shape ["
                        + rows + ", " + cols + "] with unit column stride, got " + t);
            }
            op.set(mem.host(t), t.offset(), t.stride(0));
        }
    }

    private static Tensor firstStrided(Tensor a, Tensor b, Tensor c, Tensor d) {
        if (a != null && !Simd.contiguous(a)) return require2d(a);
        if (b != null && !Simd.contiguous(b)) return require2d(b);
        if (c != null && !Simd.contiguous(c)) return require2d(c);
        if (d != null && !Simd.contiguous(d)) return require2d(d);
        return null;
    }

    private static Tensor require2d(Tensor t) {
        if (t.rank() != 2 || t.stride(1) != 1) {
            throw new IllegalArgumentException("a non-contiguous element-wise operand must be a 2-D view with unit column stride, got " + t);
        }
        return t;
    }

    private static void checkSize(Tensor ref, Tensor t, long size) {
        if (t != null && t.size() != size) {
            throw new IllegalArgumentException("element-wise operands differ in size: " + Arrays.toString(ref.shape())
                    + " vs " + Arrays.toString(t.shape()));
        }
    }

    final long total() {
        return rows * cols;
    }

    /** Number of chunks worth running for this grid given the pool size and a minimum grain. */
    final int chunksFor(int threads, long grain) {
        long n = total() / grain;
        return (int) Math.max(1, Math.min(threads, n));
    }

    @Override
    public final void run(int chunk, int chunks) {
        long total = total();
        long lo = boundary(total, chunk, chunks), hi = boundary(total, chunk + 1, chunks);
        begin(chunk);
        long r = cols == 0 ? 0 : lo / cols, c = cols == 0 ? 0 : lo % cols;
        long i = lo;
        while (i < hi) {
            int len = (int) Math.min(Math.min(cols - c, hi - i), MAX_SPAN);
            span(chunk, r, c, i, len);
            i += len;
            c += len;
            if (c == cols) {
                r++;
                c = 0;
            }
        }
        end(chunk);
    }

    private static long boundary(long total, int k, int n) {
        if (k >= n) return total;
        long b = total * k / n;
        return Math.min(total, b / ALIGN * ALIGN);
    }

    /** Called once per chunk before its spans (reductions reset their partials here). */
    void begin(int chunk) {}

    /**
     * Processes {@code len} elements of row {@code row} from column {@code col} for chunk {@code chunk};
     * {@code flat} is the row-major index of the first one.
     */
    abstract void span(int chunk, long row, long col, long flat, int len);

    /** Called once per chunk after its spans. */
    void end(int chunk) {}
}
