package flowscale.kernels;

import java.lang.foreign.MemorySegment;

/**
 * A 2-D convolution's weight {@code w[out, in, kh, kw]} (PyTorch's Conv2d layout) in its stored element
 * type, prepared once at load by {@link Backend#packConv}. Host backends read {@link #data} in place
 * (a mapped checkpoint stays the only copy); a device backend keeps one upload of the same bytes.
 */
public interface ConvWeight {
    int outChannels();

    int inChannels();

    int kernelHeight();

    int kernelWidth();

    WeightType type();

    /** The little-endian elements as given to {@link Backend#packConv}; valid while their owner keeps them mapped. */
    MemorySegment data();
}
