package flowscale.runtime.search;

import flowscale.kernels.NoiseScheme;
import flowscale.kernels.Philox;
import flowscale.kernels.Tensor;

/**
 * Every random number a search draws, as a pure function of where it is used, so that results never
 * depend on batch sizes, iteration order or threads.
 *
 * <p>Packing of the Philox stream (key; s0, s1, s2), element index = coordinate of the latent:
 * <pre>
 *   key = seed                                   (64 bits)
 *   s0  = prompt index                           (0 .. 2^31-1)
 *   s1  = purpose  &lt;&lt; 28 | particle           (purpose 1..4 in bits 28..31, particle/chain 0 .. 2^28-1)
 *   s2  = level    &lt;&lt; 20 | candidate          (level 0 .. 4095 in bits 20..31, candidate 0 .. 2^20-1)
 * </pre>
 * Purposes: {@link Purpose#INITIAL} initial latents (level 0), {@link Purpose#STEP} the proposal noise z of
 * the transition that starts at grid index {@code level}, {@link Purpose#FORWARD} the forward-noising kernel
 * of Search over Paths (level = round), {@link Purpose#RESAMPLE} the uniforms of SMC resampling (element
 * index = the slot being refilled, particle = 0, candidate = 0).
 *
 * <p>The normals' transform is the {@link NoiseScheme} (recorded in the trace): {@code quantile-v2} by default, or
 * {@code boxmuller-v1}, which the experiment tables and the earlier main jobs used. The uniforms are the scheme-independent {@link Philox#uniform}.
 */
public final class NoiseStreams {
    public static final int MAX_PARTICLE = (1 << 28) - 1;
    public static final int MAX_LEVEL = (1 << 12) - 1;
    public static final int MAX_CANDIDATE = (1 << 20) - 1;

    /** What a draw is for; the code is part of the stream name. */
    public enum Purpose {
        INITIAL(1), STEP(2), FORWARD(3), RESAMPLE(4);

        final int code;

        Purpose(int code) {
            this.code = code;
        }
    }

    private final long seed;
    private final int prompt;
    private final NoiseScheme scheme;

    public NoiseStreams(long seed, int promptIndex) {
        this(seed, promptIndex, NoiseScheme.DEFAULT);
    }

    public NoiseStreams(long seed, int promptIndex, NoiseScheme scheme) {
        if (scheme == null) throw new IllegalArgumentException("no noise scheme given");
        this.scheme = scheme;
        if (promptIndex < 0) {
            throw new IllegalArgumentException("prompt index must be >= 0, got " + promptIndex);
        }
        this.seed = seed;
        this.prompt = promptIndex;
    }

    /** Fills {@code out} with standard normals of stream (purpose, particle, level, candidate). */
    public void normal(Purpose purpose, int particle, int level, int candidate, float[] out) {
        scheme.fill(seed, prompt, word1(purpose, particle), word2(level, candidate), 0, out, 0, out.length);
    }

    /** As {@link #normal(Purpose, int, int, int, float[])}, into a backend tensor by its own {@code normal} op (the same floats). */
    public void normal(Purpose purpose, int particle, int level, int candidate, Tensor out) {
        out.backend().normal(scheme, seed, prompt, word1(purpose, particle), word2(level, candidate), out);
    }

    public NoiseScheme scheme() {
        return scheme;
    }

    /** Uniform in (0, 1): element {@code index} of stream (purpose, particle, level, candidate). */
    public double uniform(Purpose purpose, int particle, int level, int candidate, long index) {
        return Philox.uniform(seed, prompt, word1(purpose, particle), word2(level, candidate), index);
    }

    static int word1(Purpose purpose, int particle) {
        if (particle < 0 || particle > MAX_PARTICLE) {
            throw new IllegalArgumentException("particle index " + particle + " outside [0, " + MAX_PARTICLE + "]");
        }
        return purpose.code << 28 | particle;
    }

    static int word2(int level, int candidate) {
        if (level < 0 || level > MAX_LEVEL) {
            throw new IllegalArgumentException("level " + level + " outside [0, " + MAX_LEVEL + "]");
        }
        if (candidate < 0 || candidate > MAX_CANDIDATE) {
            throw new IllegalArgumentException("candidate index " + candidate + " outside [0, " + MAX_CANDIDATE + "]");
        }
        return level << 20 | candidate;
    }
}
