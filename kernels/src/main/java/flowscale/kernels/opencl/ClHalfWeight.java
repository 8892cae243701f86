package flowscale.kernels.opencl;

import flowscale.kernels.WeightType;
import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;

/** A 16-bit linear weight {@code W[out, in]} on the device as stored: row-major 16-bit elements, widened by the kernel. */
record ClHalfWeight(ClStorage data, WeightType format, int outFeatures, int inFeatures) implements PackedWeight {
    @Override
    public Tensor source() {
        return null;
    }
}
