package flowscale.kernels.reference;

import flowscale.kernels.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Element access to a tensor view in host memory for scalar code: by (row, column) for 2-D views and by
 * row-major logical index for views of any rank. Written for obviousness, not speed.
 */
final class HostView {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;

    private final MemorySegment segment;
    private final long offset;
    private final long[] shape;
    private final long[] strides;
    private final long size;

    HostView(MemorySegment segment, Tensor t) {
        this.segment = segment;
        this.offset = t.offset();
        this.shape = t.shape();
        this.strides = t.strides();
        this.size = t.size();
    }

    long size() {
        return size;
    }

    /** Element {@code (r, c)} of a 2-D view. */
    float get(long r, long c) {
        return segment.getAtIndex(FLOAT, offset + r * strides[0] + c * strides[1]);
    }

    void set(long r, long c, float v) {
        segment.setAtIndex(FLOAT, offset + r * strides[0] + c * strides[1], v);
    }

    /** Element number {@code i} in row-major order of the view's logical shape. */
    float get(long i) {
        return segment.getAtIndex(FLOAT, address(i));
    }

    void set(long i, float v) {
        segment.setAtIndex(FLOAT, address(i), v);
    }

    private long address(long i) {
        long a = offset;
        long rest = i;
        for (int d = shape.length - 1; d >= 0; d--) {
            long idx = rest % shape[d];
            rest /= shape[d];
            a += idx * strides[d];
        }
        return a;
    }
}
