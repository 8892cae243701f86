package flowscale.runtime.model.flux;

/**
 * BFL's {@code timestep_embedding(t, 256)} with its {@code time_factor} 1000, on the host in float32 arithmetic
 * step for step as the reference computes it: {@code t' = 1000 t}, {@code f_i = exp(-ln(10000) i / 128)},
 * {@code [cos(t' f_i), sin(t' f_i)]}. The float32 rounding of the argument {@code t' f_i} (up to 1000 rad) moves
 * it by up to 6e-5 rad; computing it in double instead (as the backends' DiT op does) differs from the
 * reference by that much in the embedding, which the time MLP spreads into every modulation: tried on the
 * goldens, the output error grows from 3e-6 to 1e-5 (schnell) and 3.9e-5 (dev, whose guidance 3.5 is embedded
 * the same way) of the output's scale.
 */
final class TimestepFeatures {
    private TimestepFeatures() {}

    static final float TIME_FACTOR = 1000f;
    private static final float MAX_PERIOD = 10_000f;

    /** Row {@code b} of {@code out[B, 256]} for each {@code t[b]}. */
    static void fill(float[] t, int batch, float[] out) {
        int dim = FluxConfig.TIME_FEATURES, half = dim / 2;
        float negLog = (float) -Math.log(MAX_PERIOD);
        for (int b = 0; b < batch; b++) {
            float scaled = TIME_FACTOR * t[b];
            for (int i = 0; i < half; i++) {
                float freq = (float) Math.exp((negLog * i) / half);
                float arg = scaled * freq;
                out[b * dim + i] = (float) Math.cos(arg);
                out[b * dim + half + i] = (float) Math.sin(arg);
            }
        }
    }
}
