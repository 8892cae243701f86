package flowscale.kernels.opencl;

import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;

/**
 * A linear weight {@code W[out, in]} stored on the device transposed, as {@code W^T[in, paddedOut]}
 * with {@code paddedOut} a multiple of 16 (zero columns): rows of {@code W^T} are what both GEMM
 * kernels stream along the output dimension, and the padding lets the CPU kernel read whole float8 pairs.
 */
record ClPackedWeight(Tensor source, ClStorage transposed, int outFeatures, int inFeatures, int paddedOut)
        implements PackedWeight {
}
