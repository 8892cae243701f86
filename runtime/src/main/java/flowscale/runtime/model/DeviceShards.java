package flowscale.runtime.model;

import java.util.function.IntConsumer;

/**
 * A model spread over several devices, as a search that keeps each device's share of its particles there sees it
 * ({@link VelocityModel#shards()}): the model on each device, each with its own device path ({@link VelocityModel#device()}),
 * the split of a set of particles between them, and a way to run every device's share of one model call at once.
 *
 * <p>A search calls the devices' models directly inside {@link #run}, which counts the call's NFE on the model the search
 * holds (a view of the spread model counts them too), so the budget is checked as for any other model.
 */
public interface DeviceShards {
    /** Number of devices. */
    int devices();

    /** The model on device {@code d}; its {@link VelocityModel#device()} is not null. */
    VelocityModel model(int d);

    /**
     * Range boundaries for a set of {@code n} particles: device {@code d} holds particles {@code [b[d], b[d+1])}, with
     * {@code b[0] = 0} and {@code b[devices()] = n}; a pure function of {@code n}.
     */
    int[] split(int n);

    /**
     * Runs {@code work.accept(d)} for every device {@code d} for which {@code active[d]} is true, each on that device's
     * own thread, and returns when all have finished; then counts {@code latents} latent evaluations (times the model's
     * NFE per latent). If any fails, the others still finish, one exception names the failed devices, and nothing is
     * counted.
     */
    void run(boolean[] active, IntConsumer work, long latents);
}
