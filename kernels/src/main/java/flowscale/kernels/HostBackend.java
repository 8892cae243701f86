package flowscale.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The memory half of a backend whose tensors live in host memory: allocation from one shared
 * {@link Arena} owned by the backend (freed by {@link #close}), and upload / download / copy / fill over
 * views of rank 0 to 4 that honour every stride. The compute ops are left to subclasses.
 *
 * <p>Segments allocated here are 64-byte aligned, so plain {@link ValueLayout#JAVA_FLOAT} access is valid
 * at every element offset. Runs along a unit-stride innermost dimension are moved with bulk
 * {@link MemorySegment#copy} calls; other dimensions are walked element by element.
 */
public abstract class HostBackend implements Backend {
    /** The layout of every element: a 4-byte aligned native-order float. */
    protected static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;

    /** Cache-line alignment, which is also enough for every vector species. */
    private static final long ALIGNMENT = 64;
    private static final int MAX_RANK = 4;

    private final Arena arena = Arena.ofShared();
    private volatile boolean closed;
    private final TransferCounter transfers = new TransferCounter();

    @Override
    public TransferCounter transfers() {
        return transfers;
    }

    // ---------------------------------------------------------------- allocation

    @Override
    public Tensor allocate(long... shape) {
        long n = elementCount(shape);
        if (closed) throw new IllegalStateException("backend '" + name() + "' is closed");
        MemorySegment segment = arena.allocate(Math.multiplyExact(n, (long) Float.BYTES), ALIGNMENT);
        return Tensor.contiguous(new HostStorage(this, segment), shape);
    }

    @Override
    public Tensor upload(float[] data, long... shape) {
        long n = elementCount(shape);
        if (data.length != n) {
            throw new IllegalArgumentException("upload: " + data.length + " floats do not fill shape "
                    + Arrays.toString(shape) + " (" + n + " elements)");
        }
        Tensor t = allocate(shape);
        MemorySegment.copy(data, 0, segment(t, "upload"), FLOAT, 0, data.length);
        transfers.uploaded((long) data.length * Float.BYTES);
        return t;
    }

    // ---------------------------------------------------------------- transfers

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        MemorySegment seg = segment(dst, "upload dst");
        requireHostRange("upload", src.length, srcOffset, dst.size());
        transfers.uploaded(dst.size() * Float.BYTES);
        Walk w = new Walk(dst);
        int pos = srcOffset;
        for (long i0 = 0; i0 < w.dims[0]; i0++) {
            for (long i1 = 0; i1 < w.dims[1]; i1++) {
                for (long i2 = 0; i2 < w.dims[2]; i2++) {
                    long base = w.base(i0, i1, i2);
                    if (w.strides[3] == 1) {
                        MemorySegment.copy(src, pos, seg, FLOAT, base * Float.BYTES, (int) w.dims[3]);
                        pos += (int) w.dims[3];
                    } else {
                        for (long i3 = 0; i3 < w.dims[3]; i3++) {
                            seg.setAtIndex(FLOAT, base + i3 * w.strides[3], src[pos++]);
                        }
                    }
                }
            }
        }
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        MemorySegment seg = segment(src, "download src");
        requireHostRange("download", dst.length, dstOffset, src.size());
        transfers.downloaded(src.size() * Float.BYTES);
        Walk w = new Walk(src);
        int pos = dstOffset;
        for (long i0 = 0; i0 < w.dims[0]; i0++) {
            for (long i1 = 0; i1 < w.dims[1]; i1++) {
                for (long i2 = 0; i2 < w.dims[2]; i2++) {
                    long base = w.base(i0, i1, i2);
                    if (w.strides[3] == 1) {
                        MemorySegment.copy(seg, FLOAT, base * Float.BYTES, dst, pos, (int) w.dims[3]);
                        pos += (int) w.dims[3];
                    } else {
                        for (long i3 = 0; i3 < w.dims[3]; i3++) {
                            dst[pos++] = seg.getAtIndex(FLOAT, base + i3 * w.strides[3]);
                        }
                    }
                }
            }
        }
    }

    @Override
    public void gatherRows(Tensor src, int[] rows, Tensor out) {
        RowGather.check(src, rows, out);
        MemorySegment from = segment(src, "gatherRows src");
        MemorySegment to = segment(out, "gatherRows out");
        long cols = out.cols();
        for (int i = 0; i < out.rows(); i++) {
            long s = src.offset() + rows[i] * src.rowStride(), d = out.offset() + i * out.rowStride();
            MemorySegment.copy(from, s * Float.BYTES, to, d * Float.BYTES, cols * Float.BYTES);
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        MemorySegment from = segment(src, "copy src");
        MemorySegment to = segment(dst, "copy dst");
        if (!Arrays.equals(src.shape(), dst.shape())) {
            throw new IllegalArgumentException("copy: src shape " + Arrays.toString(src.shape())
                    + " differs from dst shape " + Arrays.toString(dst.shape()));
        }
        Walk ws = new Walk(src);
        Walk wd = new Walk(dst);
        boolean bulk = ws.strides[3] == 1 && wd.strides[3] == 1;
        for (long i0 = 0; i0 < ws.dims[0]; i0++) {
            for (long i1 = 0; i1 < ws.dims[1]; i1++) {
                for (long i2 = 0; i2 < ws.dims[2]; i2++) {
                    long bs = ws.base(i0, i1, i2);
                    long bd = wd.base(i0, i1, i2);
                    if (bulk) {
                        MemorySegment.copy(from, bs * Float.BYTES, to, bd * Float.BYTES, ws.dims[3] * Float.BYTES);
                    } else {
                        for (long i3 = 0; i3 < ws.dims[3]; i3++) {
                            to.setAtIndex(FLOAT, bd + i3 * wd.strides[3], from.getAtIndex(FLOAT, bs + i3 * ws.strides[3]));
                        }
                    }
                }
            }
        }
    }

    @Override
    public void fill(Tensor dst, float value) {
        MemorySegment seg = segment(dst, "fill dst");
        Walk w = new Walk(dst);
        for (long i0 = 0; i0 < w.dims[0]; i0++) {
            for (long i1 = 0; i1 < w.dims[1]; i1++) {
                for (long i2 = 0; i2 < w.dims[2]; i2++) {
                    long base = w.base(i0, i1, i2);
                    for (long i3 = 0; i3 < w.dims[3]; i3++) {
                        seg.setAtIndex(FLOAT, base + i3 * w.strides[3], value);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    /** True once {@link #close} has run; every segment this backend handed out is then invalid. */
    public boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------- helpers for subclasses

    /**
     * The host segment behind {@code t}, after checking that {@code t} belongs to this backend.
     * {@code role} names the argument in the error message (e.g. {@code "linear x"}).
     */
    protected final MemorySegment segment(Tensor t, String role) {
        if (t == null) throw new IllegalArgumentException(role + " is null");
        if (!(t.storage() instanceof HostStorage hs) || hs.backend() != this) {
            throw new IllegalArgumentException(role + " " + t + " does not belong to backend '" + name() + "'");
        }
        return hs.segment();
    }

    private static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static void requireHostRange(String op, int length, int offset, long count) {
        if (offset < 0 || offset > length || length - offset < count) {
            throw new IllegalArgumentException(op + ": host array of " + length + " floats from offset " + offset
                    + " cannot hold the view's " + count + " elements");
        }
    }

    /** A view padded on the left to rank 4 (size-1 dimensions), so every transfer is one 4-deep loop. */
    private static final class Walk {
        final long[] dims = {1, 1, 1, 1};
        final long[] strides = {0, 0, 0, 0};
        final long offset;

        Walk(Tensor t) {
            int rank = t.rank();
            if (rank > MAX_RANK) {
                throw new IllegalArgumentException("views of rank " + rank + " are not supported (at most "
                        + MAX_RANK + "): " + t);
            }
            for (int i = 0; i < rank; i++) {
                dims[MAX_RANK - rank + i] = t.dim(i);
                strides[MAX_RANK - rank + i] = t.stride(i);
            }
            if (rank == 0) strides[3] = 1;
            offset = t.offset();
        }

        long base(long i0, long i1, long i2) {
            return offset + i0 * strides[0] + i1 * strides[1] + i2 * strides[2];
        }
    }
}
