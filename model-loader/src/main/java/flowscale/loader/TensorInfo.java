package flowscale.loader;

import java.util.Arrays;

/**
 * One validated header entry: the tensor's name, element type, shape and byte range
 * {@code [begin, end)} relative to the start of the data section.
 * The shape array is copied on the way in and out, so a TensorInfo is immutable.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions (0 for a scalar). */
    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code i}. */
    public long dim(int i) {
        return shape[i];
    }

    /** Product of the shape (1 for a scalar, 0 if any dimension is 0). Validated not to overflow. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes of data, {@code end - begin}. */
    public long byteSize() {
        return end - begin;
    }

    /** The shape as the header writes it, e.g. {@code [2, 3]}. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + dtype.hashCode()) * 31 + Arrays.hashCode(shape) + Long.hashCode(begin * 31 + end);
    }

    @Override
    public String toString() {
        return name + " " + dtype.safetensorsName() + shapeString() + " @[" + begin + ", " + end + ")";
    }
}
