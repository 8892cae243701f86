package flowscale.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The host backends' {@link ConvWeight}: the caller's segment itself, read in place by the kernels (no
 * packing, so a mapped BF16 checkpoint is never duplicated). The constructor checks what every backend
 * requires of a conv weight, so their messages agree.
 */
public record HostConvWeight(MemorySegment data, WeightType type, int outChannels, int inChannels,
                             int kernelHeight, int kernelWidth) implements ConvWeight {
    public HostConvWeight {
        check(data, type, outChannels, inChannels, kernelHeight, kernelWidth);
    }

    /** The checks of {@link Backend#packConv}: positive sizes, odd kernel sides, a segment of exactly that size. */
    public static void check(MemorySegment data, WeightType type, int outChannels, int inChannels,
                             int kernelHeight, int kernelWidth) {
        if (data == null || type == null) throw new IllegalArgumentException("packConv: data and type are required");
        if (outChannels < 1 || inChannels < 1 || kernelHeight < 1 || kernelWidth < 1) {
            throw new IllegalArgumentException("packConv: sizes must be positive, got [" + outChannels + ", " + inChannels
                    + ", " + kernelHeight + ", " + kernelWidth + "]");
        }
        if (kernelHeight % 2 == 0 || kernelWidth % 2 == 0) {
            throw new IllegalArgumentException("packConv: kernel " + kernelHeight + "x" + kernelWidth
                    + " has an even side; only odd kernels have a centred 'same' padding");
        }
        long bytes = (long) outChannels * inChannels * kernelHeight * kernelWidth * type.bytes();
        if (data.byteSize() != bytes) {
            throw new IllegalArgumentException("packConv: " + data.byteSize() + " bytes do not hold a " + type + " weight ["
                    + outChannels + ", " + inChannels + ", " + kernelHeight + ", " + kernelWidth + "] (" + bytes + " bytes)");
        }
    }
}
