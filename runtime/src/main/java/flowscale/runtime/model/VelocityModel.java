package flowscale.runtime.model;

import flowscale.kernels.Tensor;

/**
 * The only view the samplers and the search have of a flow model: a batched velocity evaluation on
 * the model's own (linear, rectified-flow) interpolant {@code x_t = (1-t) x0 + t eps}, so that
 * {@code u = eps - x0}, with time {@code t} in [0, 1] (t = 1 is noise).
 *
 * <p>Latents are host float arrays of length {@link #dim()}; a backend-resident model uploads them,
 * runs its forward pass and brings back only the velocities. Such a model may also offer a device path
 * ({@link #device()}), where the latents stay in backend tensors.
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

    /**
     * Whether the model takes a step-size input {@code d} (a few-step "shortcut" model, Frans et al. 2024): its
     * output {@code s(x, t, d)} moves a latent from t to {@code t - d} in one step, {@code x_{t-d} = x - d s}, so
     * {@code x - t s(x, t, t)} is a one-step clean estimate; {@code d = 0} is the velocity. Analytic models and base
     * checkpoints do not offer it.
     */
    default boolean takesStepSize() {
        return false;
    }

    /**
     * {@code out[i] = s(x[i], t[i], d[i] | cond[i])}, for {@code i < n}, at the same cost as {@link #velocity}; {@code d}
     * null means all zero. A model without a step-size input ({@link #takesStepSize()} false) accepts only
     * {@code d = 0} and throws {@link IllegalArgumentException} otherwise.
     */
    default void velocity(int n, float[][] x, double[] t, double[] d, Condition[] cond, float[][] out) {
        if (d != null) {
            for (int i = 0; i < n; i++) {
                if (d[i] != 0) throw new IllegalArgumentException("this model has no step-size input; asked for d = " + d[i]);
            }
        }
        velocity(n, x, t, cond, out);
    }

    /**
     * The device path's backend and reusable buffers there ({@link #velocity(int, Tensor, double[], double[], Condition[],
     * Tensor)}), where a caller may keep its latents so that they never cross to the host; null (the default) when the
     * model has none (an analytic model; a model spread over several devices, which offers {@link #shards()} instead; a
     * view that shares calls between searches of a model without one).
     */
    default DeviceBuffers device() {
        return null;
    }

    /**
     * For a model spread over several devices whose models all have a device path: the devices, so that a search can
     * keep each device's share of its particles there ({@link DeviceShards}); null (the default) otherwise.
     */
    default DeviceShards shards() {
        return null;
    }

    /**
     * The device path of {@link #velocity(int, float[][], double[], double[], Condition[], float[][])}: {@code x} and
     * {@code out} are {@code [n, dim()]} matrices on {@code device().backend()}, {@code out} not overlapping {@code x}.
     * Same results and NFE count as the host path, bit for bit. A model whose {@link #device()} is null (the default)
     * takes the latents to the host, runs the host call and puts the outputs back: correct, but every call crosses.
     */
    default void velocity(int n, Tensor x, double[] t, double[] d, Condition[] cond, Tensor out) {
        int dim = dim();
        float[][] hostX = new float[n][dim], hostOut = new float[n][dim];
        for (int i = 0; i < n; i++) x.backend().download(x.rowRange(i, 1), hostX[i], 0);
        velocity(n, hostX, t, d, cond, hostOut);
        for (int i = 0; i < n; i++) out.backend().upload(hostOut[i], 0, out.rowRange(i, 1));
    }

    /**
     * The most latents one call evaluates in a single pass on the model's device(s); a larger call is split by the
     * model itself. Callers that gather several searches' particles into one call ({@code SearchBatch}) fill calls
     * up to this size. Unbounded unless the model says otherwise.
     */
    default int maxBatch() {
        return Integer.MAX_VALUE;
    }

    /** NFE one latent costs: 1, or 2 with classifier-free guidance. */
    int nfePerLatent();

    /** Total NFE counted since creation or the last {@link #resetNfe()}. */
    long nfe();

    void resetNfe();

    @Override
    default void close() {}
}
