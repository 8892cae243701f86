package flowscale.runtime.flow;

/**
 * A model's own time schedule as a warp of the uniform grid: {@code t ↦ e^mu / (e^mu + (1/t − 1))}, BFL's
 * {@code time_shift(mu, 1, t)} in FLUX.1's {@code sampling.py}. It keeps 1 and 0 fixed and, for mu > 0, spends more
 * of the steps near noise, where a model trained on large images needs them. FLUX.1-dev's sampling uses it with mu
 * linear in the image's token count ({@link #forImageTokens}); FLUX.1-schnell's uses none.
 *
 * @param mu the log of the shift factor; 0 is the identity
 */
public record TimeShift(double mu) {
    /** BFL's {@code get_schedule} defaults: mu = 0.5 at 256 image tokens, 1.15 at 4096, linear between and beyond. */
    public static final double BASE_SHIFT = 0.5, MAX_SHIFT = 1.15;
    public static final int BASE_TOKENS = 256, MAX_TOKENS = 4096;

    public TimeShift {
        if (!Double.isFinite(mu)) throw new IllegalArgumentException("time shift mu must be finite, got " + mu);
    }

    /** BFL's shift for an image of {@code imageTokens} packed latent tokens (1024 for 512x512 on FLUX.1). */
    public static TimeShift forImageTokens(int imageTokens) {
        if (imageTokens < 1) throw new IllegalArgumentException("image tokens must be positive, got " + imageTokens);
        double slope = (MAX_SHIFT - BASE_SHIFT) / (MAX_TOKENS - BASE_TOKENS);
        return new TimeShift(BASE_SHIFT + slope * (imageTokens - BASE_TOKENS));
    }

    /** The shifted time of {@code t} in [0, 1]; exact at the endpoints. */
    public double apply(double t) {
        if (t <= 0.0) return 0.0;
        if (t >= 1.0) return 1.0;
        double e = Math.exp(mu);
        return e / (e + (1.0 / t - 1.0));
    }

    /** {@code grid} with every time shifted (a decreasing grid stays decreasing: the warp is increasing). */
    public double[] apply(double[] grid) {
        double[] g = new double[grid.length];
        for (int i = 0; i < grid.length; i++) g[i] = apply(grid[i]);
        return g;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "shift mu=%.4f", mu);
    }
}
