package flowscale.runtime.search;

import java.util.Set;

/**
 * No search: {@code n} (default 1) plain trajectories of the sampler, the best of them by reward returned.
 * With n = 1 this is ordinary sampling; the budget only has to cover n·M evaluations.
 */
public final class PlainSampling implements SearchMethod {
    private final SearchConfig config;

    public PlainSampling(SearchConfig config) {
        config.requireOnly("none", Set.of("n"));
        config.positiveInt("n", 1);
        this.config = config;
    }

    @Override
    public String name() {
        return "none";
    }

    @Override
    public SearchResult run(SearchProblem problem) {
        int n = config.positiveInt("n", 1);
        int m = problem.sampler().steps();
        SearchMethods.requireEvaluations(name(), problem, (long) n * m, n + " trajectories x " + m + " steps");
        SearchRun run = new SearchRun(name(), problem);
        run.parameter("n", n);
        return BatchOfTrajectories.run(run, n);
    }
}
