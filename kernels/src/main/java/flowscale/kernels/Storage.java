package flowscale.kernels;

/**
 * The memory behind a {@link Tensor}: host memory for the CPU backends, a device buffer for OpenCL or CUDA.
 * Each backend defines its own storage; ops receive tensors whose storage belongs to the backend
 * they are called on.
 */
public interface Storage {
    /** The backend that owns this memory. */
    Backend backend();

    /** Capacity in float elements. */
    long capacity();
}
