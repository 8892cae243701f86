package flowscale.kernels.reference;

import flowscale.kernels.WeightType;
import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * The reference backend's narrow (BF16, F16 or F8_E4M3) weight: the caller's bytes themselves (a mapped
 * checkpoint slice), read in place and widened one element at a time.
 */
record ReferenceHalfWeight(MemorySegment data, WeightType format, int outFeatures, int inFeatures) implements PackedWeight {

    /** {@code W[n, k]} as float32. */
    float get(long n, long k) {
        return format.read(data, n * inFeatures + k);
    }

    @Override
    public Tensor source() {
        return null;
    }
}
