package flowscale.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The one vector species every cpu kernel uses. It is a {@code static final} constant so that C2 sees a
 * fixed shape and compiles the Vector API calls into plain SIMD instructions; a species chosen per
 * backend instance would defeat that. Chosen once per JVM from {@code -Dflowscale.vector.bits=128|256|512},
 * else {@link FloatVector#SPECIES_PREFERRED}.
 */
final class Simd {
    static final VectorSpecies<Float> F = choose(System.getProperty("flowscale.vector.bits"));
    static final int L = F.length();
    static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** Scalar float access; unaligned so that any view of any host segment is valid. */
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Simd() {}

    private static VectorSpecies<Float> choose(String bits) {
        if (bits == null || bits.isBlank()) return FloatVector.SPECIES_PREFERRED;
        return switch (bits.trim()) {
            case "128" -> FloatVector.SPECIES_128;
            case "256" -> FloatVector.SPECIES_256;
            case "512" -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException(
                    "flowscale.vector.bits must be 128, 256 or 512, got '" + bits + "'");
        };
    }

    /**
     * Row-major contiguity without allocating ({@link flowscale.kernels.Tensor#isContiguous} builds a
     * strides array per call, which the hot ops cannot afford). Size-1 dimensions may have any stride.
     */
    static boolean contiguous(flowscale.kernels.Tensor t) {
        long expected = 1;
        for (int i = t.rank() - 1; i >= 0; i--) {
            long d = t.dim(i);
            if (d == 0) return true;
            if (d != 1 && t.stride(i) != expected) return false;
            expected *= d;
        }
        return true;
    }

    /** {@code n} rounded up to a multiple of {@code m}. */
    static int roundUp(int n, int m) {
        return (n + m - 1) / m * m;
    }

    /**
     * Row stride of an attention operand seen as {@code [rows, width]}: a 2-D view with unit column stride (a
     * column chunk of a fused qkv buffer, say) or any contiguous tensor of that size. {@code op} names the caller.
     */
    static long matrixStride(flowscale.kernels.Tensor t, long rows, int width, String op, String what) {
        if (t.rank() == 2 && t.dim(0) == rows && t.dim(1) == width && t.stride(1) == 1) return t.rowStride();
        if (contiguous(t) && t.size() == rows * width) return width;
        throw new IllegalArgumentException(op + " " + what + " must be [" + rows + ", " + width + "], got " + t);
    }
}
