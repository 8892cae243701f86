package flowscale.runtime.model.text;

import flowscale.loader.DType;
import flowscale.loader.FloatConversions;
import flowscale.loader.TensorInfo;

import java.lang.foreign.MemorySegment;

/**
 * An embedding table {@code [rows, width]} left in its stored bytes (the mapped checkpoint, any of F32, BF16, F16):
 * a prompt needs a few hundred of its rows, so widening them as they are looked up costs nothing, while a
 * float32 copy of T5-XXL's 32,128 x 4096 table would take 526 MB. Valid while its store is open.
 */
public final class EmbeddingTable {
    private final String name;
    private final DType dtype;
    private final MemorySegment bytes;
    private final int rows, width;

    EmbeddingTable(TensorInfo info, MemorySegment bytes) {
        if (info.rank() != 2) throw new IllegalArgumentException(info.name() + " is not a 2-D table");
        this.name = info.name();
        this.dtype = info.dtype();
        this.bytes = bytes;
        this.rows = Math.toIntExact(info.dim(0));
        this.width = Math.toIntExact(info.dim(1));
    }

    public int rows() {
        return rows;
    }

    public int width() {
        return width;
    }

    /** Writes row {@code row}, widened to float32, to {@code dst[offset .. offset + width)}. */
    public void read(int row, float[] dst, int offset) {
        if (row < 0 || row >= rows) throw new IndexOutOfBoundsException(name + ": row " + row + " of " + rows);
        FloatConversions.toF32(dtype, bytes, (long) row * width * dtype.byteSize(), dst, offset, width);
    }
}
