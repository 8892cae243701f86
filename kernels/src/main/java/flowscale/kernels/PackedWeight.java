package flowscale.kernels;

/**
 * A linear layer's weight {@code W[out, in]} (nn.Linear layout), packed once at load into whatever
 * layout the backend's GEMM micro-kernel reads fastest. Immutable after packing.
 */
public interface PackedWeight {
    int outFeatures();

    int inFeatures();

    /**
     * The unpacked weight as it was given to {@link Backend#pack}; null for a weight packed by
     * {@link Backend#packHalf}, which has no float32 tensor behind it.
     */
    Tensor source();
}
