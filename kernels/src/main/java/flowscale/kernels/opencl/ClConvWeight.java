package flowscale.kernels.opencl;

import flowscale.kernels.ConvWeight;
import flowscale.kernels.WeightType;

import java.lang.foreign.MemorySegment;

/**
 * A convolution weight on the device: one upload of the stored bytes (F32 or BF16, not widened), which
 * the kernel reads as it computes. {@code data} is the host segment it was made from.
 */
record ClConvWeight(MemorySegment data, WeightType type, int outChannels, int inChannels, int kernelHeight,
                    int kernelWidth, ClStorage device) implements ConvWeight {
}
