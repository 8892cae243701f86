package flowscale.kernels;

import java.util.Arrays;

/**
 * A float32 tensor: a view (element offset, shape, element strides) over a backend's {@link Storage}.
 * The innermost dimension is contiguous for every tensor an op accepts unless the op says otherwise;
 * 2-D views may have a row stride larger than their column count (e.g. the shift chunk of an
 * adaLN modulation output, or the q part of a fused qkv projection).
 */
public final class Tensor {
    private final Storage storage;
    private final long offset;
    private final long[] shape;
    private final long[] strides;

    public Tensor(Storage storage, long offset, long[] shape, long[] strides) {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        }
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
        }
        this.storage = storage;
        this.offset = offset;
        this.shape = shape.clone();
        this.strides = strides.clone();
        long last = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) { last = -1; break; }
            last += (shape[i] - 1) * strides[i];
        }
        if (offset < 0 || last >= storage.capacity()) {
            throw new IllegalArgumentException("view offset " + offset + " shape " + Arrays.toString(shape)
                    + " strides " + Arrays.toString(strides) + " exceeds storage of " + storage.capacity() + " floats");
        }
    }

    /** A contiguous (row-major) tensor over the whole of {@code storage} from offset 0. */
    public static Tensor contiguous(Storage storage, long... shape) {
        return new Tensor(storage, 0, shape, rowMajorStrides(shape));
    }

    public static long[] rowMajorStrides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    public Storage storage() { return storage; }
    public Backend backend() { return storage.backend(); }
    public long offset() { return offset; }
    public int rank() { return shape.length; }
    public long dim(int i) { return shape[i]; }
    public long stride(int i) { return strides[i]; }
    public long[] shape() { return shape.clone(); }
    public long[] strides() { return strides.clone(); }

    /** Number of elements. */
    public long size() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public boolean isContiguous() {
        return Arrays.equals(strides, rowMajorStrides(shape)) || size() == 0;
    }

    /** Rows of a 2-D view. */
    public int rows() { require2d(); return Math.toIntExact(shape[0]); }
    /** Columns of a 2-D view. */
    public int cols() { require2d(); return Math.toIntExact(shape[1]); }
    /** Row stride (elements) of a 2-D view; columns are always unit-stride. */
    public long rowStride() { require2d(); return strides[0]; }

    private void require2d() {
        if (shape.length != 2) throw new IllegalStateException("expected a 2-D tensor, got shape " + Arrays.toString(shape));
    }

    /** Any view sharing this tensor's storage; {@code offset} is relative to this view's offset. */
    public Tensor view(long offset, long[] shape, long[] strides) {
        return new Tensor(storage, this.offset + offset, shape, strides);
    }

    /** A contiguous tensor seen with another shape of the same size. */
    public Tensor reshape(long... newShape) {
        if (!isContiguous()) throw new IllegalStateException("reshape of a non-contiguous view " + this);
        long n = 1;
        for (long d : newShape) n *= d;
        if (n != size()) throw new IllegalArgumentException("cannot reshape " + this + " to " + Arrays.toString(newShape));
        return new Tensor(storage, offset, newShape, rowMajorStrides(newShape));
    }

    /** Rows {@code [start, start+count)} of a 2-D view. */
    public Tensor rowRange(long start, long count) {
        require2d();
        checkRange(start, count, shape[0]);
        return new Tensor(storage, offset + start * strides[0], new long[] {count, shape[1]}, strides);
    }

    /** Columns {@code [start, start+count)} of a 2-D view; the row stride is kept. */
    public Tensor colRange(long start, long count) {
        require2d();
        checkRange(start, count, shape[1]);
        return new Tensor(storage, offset + start * strides[1], new long[] {shape[0], count}, strides);
    }

    /** Elements {@code [start, start+count)} of a contiguous tensor, as a 1-D view. */
    public Tensor flatRange(long start, long count) {
        if (!isContiguous()) throw new IllegalStateException("flatRange of a non-contiguous view " + this);
        checkRange(start, count, size());
        return new Tensor(storage, offset + start, new long[] {count}, new long[] {1});
    }

    private static void checkRange(long start, long count, long limit) {
        if (start < 0 || count < 0 || start + count > limit) {
            throw new IndexOutOfBoundsException("range [" + start + ", " + (start + count) + ") outside [0, " + limit + ")");
        }
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + "@" + offset + " strides " + Arrays.toString(strides)
                + " on " + storage.backend().name();
    }
}
