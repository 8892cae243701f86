package flowscale.kernels.opencl;

import flowscale.kernels.WeightType;
import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;

/** A narrow (BF16, F16, F8_E4M3) linear weight {@code W[out, in]} on the device as stored: row-major elements, widened by the kernel. */
record ClHalfWeight(ClStorage data, WeightType format, int outFeatures, int inFeatures) implements PackedWeight {
    @Override
    public Tensor source() {
        return null;
    }
}
