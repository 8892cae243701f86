package flowscale.kernels.reference;

import flowscale.kernels.Tensor;

import java.util.Arrays;

/** Argument checks of the reference backend; every message names the op and the shapes involved. */
final class ArgumentChecks {
    private ArgumentChecks() {}

    static void requireShape(Tensor t, String role, long rows, long cols) {
        if (t.dim(0) != rows || t.dim(1) != cols) {
            throw new IllegalArgumentException(role + " has shape " + shape(t) + ", expected [" + rows + ", " + cols + "]");
        }
    }

    static void requireSameSize(String op, Tensor a, Tensor b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException(op + ": shapes " + shape(a) + " and " + shape(b)
                    + " differ in size (" + a.size() + " vs " + b.size() + ")");
        }
    }

    static int itemCount(String op, Tensor x, int tokensPerItem) {
        if (tokensPerItem <= 0 || x.rows() % tokensPerItem != 0) {
            throw new IllegalArgumentException(op + ": " + x.rows() + " rows of " + shape(x)
                    + " are not a whole number of items of " + tokensPerItem + " tokens");
        }
        return x.rows() / tokensPerItem;
    }

    /** Rejects an output whose memory overlaps an input the op reads while writing. */
    static void requireNoOverlap(Tensor out, Tensor in, String op, String outName, String inName) {
        if (out.storage() != in.storage() || out.size() == 0 || in.size() == 0) return;
        if (disjointColumnChunks(out, in)) return;
        if (first(out) <= last(in) && first(in) <= last(out)) {
            throw new IllegalArgumentException(op + ": " + outName + " " + out + " must not overlap " + inName + " " + in);
        }
    }

    /**
     * True for two column chunks of one row-major buffer (same row stride, each inside one row) whose
     * column ranges do not meet: their extents interleave but no element is shared, like the q, k and v
     * parts of a fused qkv projection.
     */
    private static boolean disjointColumnChunks(Tensor a, Tensor b) {
        if (a.rank() != 2 || b.rank() != 2 || a.stride(0) != b.stride(0)) return false;
        long s = a.stride(0);
        if (s <= 0) return false;
        long ca = a.offset() % s, cb = b.offset() % s;
        if (ca + a.dim(1) > s || cb + b.dim(1) > s) return false;
        return ca + a.dim(1) <= cb || cb + b.dim(1) <= ca;
    }

    private static long first(Tensor t) {
        return t.offset();
    }

    private static long last(Tensor t) {
        long a = t.offset();
        for (int i = 0; i < t.rank(); i++) a += (t.dim(i) - 1) * t.stride(i);
        return a;
    }

    static String shape(Tensor t) {
        return Arrays.toString(t.shape());
    }
}
