package flowscale.kernels;

/** The argument rules of {@link Backend#gatherRows}, checked the same way by every backend. */
public final class RowGather {
    private RowGather() {}

    /** Throws {@link IllegalArgumentException} unless {@code src}, {@code rows} and {@code out} make a valid gather. */
    public static void check(Tensor src, int[] rows, Tensor out) {
        if (src.rank() != 2 || out.rank() != 2 || (src.cols() > 1 && src.stride(1) != 1) || (out.cols() > 1 && out.stride(1) != 1)) {
            throw new IllegalArgumentException("gatherRows: src " + src + " and out " + out + " must be 2-D with unit column stride");
        }
        if (src.cols() != out.cols()) throw new IllegalArgumentException("gatherRows: src has " + src.cols() + " columns, out " + out.cols());
        if (rows.length < out.rows()) throw new IllegalArgumentException("gatherRows: " + rows.length + " indices for " + out.rows() + " rows");
        for (int i = 0; i < out.rows(); i++) {
            if (rows[i] < 0 || rows[i] >= src.rows()) {
                throw new IllegalArgumentException("gatherRows: index " + rows[i] + " outside [0, " + src.rows() + ")");
            }
        }
        if (src.storage() == out.storage() && src.size() > 0 && out.size() > 0) {
            long srcLast = src.offset() + (src.rows() - 1) * src.rowStride() + src.cols() - 1;
            long outLast = out.offset() + (out.rows() - 1) * out.rowStride() + out.cols() - 1;
            if (src.offset() <= outLast && out.offset() <= srcLast) {
                throw new IllegalArgumentException("gatherRows: out " + out + " overlaps src " + src);
            }
        }
    }
}
