package flowscale.kernels.reference;

import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;

/** The reference backend's "packed" weight: the unpacked {@code W[out, in]} itself, read in place. */
record ReferencePackedWeight(Tensor source) implements PackedWeight {
    @Override
    public int outFeatures() {
        return source.rows();
    }

    @Override
    public int inFeatures() {
        return source.cols();
    }
}
