package flowscale.runtime.model;

/**
 * The only view the samplers and the search have of a flow model: a batched velocity evaluation on
 * the model's own (linear, rectified-flow) interpolant {@code x_t = (1-t) x0 + t eps}, so that
 * {@code u = eps - x0}, with time {@code t} in [0, 1] (t = 1 is noise).
 *
 * <p>Latents are host float arrays of length {@link #dim()}; a backend-resident model uploads them,
 * runs its forward pass and brings back only the velocities.
 */
public interface VelocityModel extends AutoCloseable {

    /** Number of floats in one latent. */
    int dim();

    /** Shape of one latent, e.g. {@code [3, 32, 32]} for an RGB image or {@code [2]} for a 2-D toy. */
    int[] shape();

    /**
     * {@code out[i] = u_t(x[i] | cond[i])} at time {@code t[i]}, for {@code i < n}. Counts
     * {@code n * nfePerLatent()} NFE. Arrays may be longer than {@code n}; entries past n are untouched.
     */
    void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out);

    /** NFE one latent costs: 1, or 2 with classifier-free guidance. */
    int nfePerLatent();

    /** Total NFE counted since creation or the last {@link #resetNfe()}. */
    long nfe();

    void resetNfe();

    @Override
    default void close() {}
}
