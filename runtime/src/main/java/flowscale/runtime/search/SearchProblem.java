package flowscale.runtime.search;

import flowscale.kernels.NoiseScheme;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.Reward;

import java.util.Objects;

/**
 * One search to run: the model and the sampler (its path, grid and diffusion), the reward, the prompt,
 * the total NFE budget and the seed. {@code promptIndex} names the prompt in the noise streams
 * ({@link NoiseStreams}), so that every prompt of a benchmark gets its own noise; {@code noiseScheme} says how the
 * streams' words become normals ({@link NoiseScheme#DEFAULT} unless chosen).
 */
public record SearchProblem(VelocityModel model, Sampler sampler, Reward reward, Condition condition,
                            long budget, long seed, int promptIndex, SearchListener listener, NoiseScheme noiseScheme) {

    public SearchProblem {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(sampler, "sampler");
        Objects.requireNonNull(reward, "reward");
        Objects.requireNonNull(condition, "condition");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(noiseScheme, "noiseScheme");
        if (budget < 1) throw new IllegalArgumentException("budget must be >= 1 NFE, got " + budget);
        if (promptIndex < 0) throw new IllegalArgumentException("prompt index must be >= 0, got " + promptIndex);
        if (sampler.steps() < 1) throw new IllegalArgumentException("the sampler needs at least one step");
    }

    /** A problem drawing its noise with {@link NoiseScheme#DEFAULT}. */
    public SearchProblem(VelocityModel model, Sampler sampler, Reward reward, Condition condition,
                         long budget, long seed, int promptIndex, SearchListener listener) {
        this(model, sampler, reward, condition, budget, seed, promptIndex, listener, NoiseScheme.DEFAULT);
    }

    public SearchProblem(VelocityModel model, Sampler sampler, Reward reward, long budget, long seed) {
        this(model, sampler, reward, Condition.NONE, budget, seed, 0, SearchListener.NONE);
    }

    public SearchProblem withListener(SearchListener l) {
        return new SearchProblem(model, sampler, reward, condition, budget, seed, promptIndex, l, noiseScheme);
    }

    public SearchProblem withSampler(Sampler s) {
        return new SearchProblem(model, s, reward, condition, budget, seed, promptIndex, listener, noiseScheme);
    }

    public SearchProblem withBudget(long b) {
        return new SearchProblem(model, sampler, reward, condition, b, seed, promptIndex, listener, noiseScheme);
    }

    public SearchProblem withSeed(long s) {
        return new SearchProblem(model, sampler, reward, condition, budget, s, promptIndex, listener, noiseScheme);
    }

    public SearchProblem withNoiseScheme(NoiseScheme n) {
        return new SearchProblem(model, sampler, reward, condition, budget, seed, promptIndex, listener, n);
    }

    /** Model evaluations of one latent the budget pays for (budget / NFE per latent). */
    public long evaluationBudget() {
        return budget / model.nfePerLatent();
    }
}
