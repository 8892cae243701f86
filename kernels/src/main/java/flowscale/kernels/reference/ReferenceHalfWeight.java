package flowscale.kernels.reference;

import flowscale.kernels.WeightType;
import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The reference backend's 16-bit weight: the caller's bytes themselves (a mapped checkpoint slice), read
 * in place and widened one element at a time.
 */
record ReferenceHalfWeight(MemorySegment data, WeightType format, int outFeatures, int inFeatures) implements PackedWeight {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {@code W[n, k]} as float32. */
    float get(long n, long k) {
        return format.toFloat(data.get(LE_SHORT, 2 * (n * inFeatures + k)));
    }

    @Override
    public Tensor source() {
        return null;
    }
}
