package flowscale.runtime.flow;

import flowscale.kernels.NoiseScheme;

/**
 * Standard normal noise for plain sampling, addressed by particle and grid step so that a particle's draws do
 * not depend on how many other particles run with it.
 */
@FunctionalInterface
public interface NoiseSource {

    /** The step index that names a particle's initial latent. */
    int INITIAL = -1;

    /**
     * Fills {@code out} with i.i.d. standard normals for {@code particle} (>= 0) at grid step {@code step}: the step
     * from {@code s_step} to {@code s_step+1}, or {@link #INITIAL} for the initial latent at {@code s_0 = 1}.
     */
    void fill(int particle, int step, float[] out);

    /** Philox tag of {@link #philox} streams, ASCII "SAMP". */
    int PHILOX_TAG = 0x53414D50;

    /**
     * Counter-based noise: stream words {@code (s0, s1, s2) = (particle, step + 1, PHILOX_TAG)}, elements
     * {@code 0 .. out.length-1}, keyed by {@code key}.
     */
    static NoiseSource philox(long key) {
        return philox(key, NoiseScheme.DEFAULT);
    }

    /** As {@link #philox(long)}, the words becoming normals through {@code scheme}. */
    static NoiseSource philox(long key, NoiseScheme scheme) {
        if (scheme == null) throw new IllegalArgumentException("no noise scheme given");
        return (particle, step, out) -> {
            if (particle < 0 || step < INITIAL) throw new IllegalArgumentException("noise for particle " + particle + ", step " + step);
            scheme.fill(key, particle, step + 1, PHILOX_TAG, 0, out, 0, out.length);
        };
    }
}
