package flowscale.runtime.search;

import java.util.Set;

/**
 * Best-of-N (method.md §5.1): N = budget / M independent trajectories (or {@code n}), each rewarded once
 * on its final Tweedie estimate, argmax returned. Spends exactly N·M evaluations.
 */
public final class BestOfN implements SearchMethod {
    private final SearchConfig config;

    public BestOfN(SearchConfig config) {
        config.requireOnly("bon", Set.of("n"));
        config.positiveInt("n", 1);
        this.config = config;
    }

    @Override
    public String name() {
        return "bon";
    }

    @Override
    public SearchResult run(SearchProblem problem) {
        int m = problem.sampler().steps();
        long auto = problem.evaluationBudget() / m;
        int n = config.has("n") ? config.positiveInt("n", 1) : (int) Math.min(auto, NoiseStreams.MAX_PARTICLE);
        SearchMethods.requireEvaluations(name(), problem, (long) Math.max(n, 1) * m, Math.max(n, 1) + " trajectories x " + m + " steps");
        SearchRun run = new SearchRun(name(), problem);
        run.parameter("n", n);
        return BatchOfTrajectories.run(run, n);
    }
}
