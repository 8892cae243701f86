package flowscale.kernels.cpu;

import java.lang.foreign.MemorySegment;

/**
 * One operand of a kernel as a job sees it: a segment, the byte offset of element (0, 0) and the byte
 * stride between rows. Mutable and pre-allocated inside each job so that binding costs no allocation.
 */
final class Operand {
    MemorySegment seg;
    long base;
    long rowStride;

    void set(MemorySegment seg, long baseElements, long rowStrideElements) {
        this.seg = seg;
        this.base = baseElements * Float.BYTES;
        this.rowStride = rowStrideElements * Float.BYTES;
    }

    void clear() {
        seg = null;
    }

    /** Byte offset of element {@code (row, col)}. */
    long at(long row, long col) {
        return base + row * rowStride + col * Float.BYTES;
    }
}
