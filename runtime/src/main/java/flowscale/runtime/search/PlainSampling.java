package flowscale.runtime.search;

/**
 * No search: {@code n} (default 1) plain trajectories of the sampler, the best of them by reward returned.
 * With n = 1 this is ordinary sampling; the budget only has to cover n·M evaluations.
 */
public final class PlainSampling extends MethodWithSettings<PlainSamplingSettings> {
    public PlainSampling(PlainSamplingSettings settings) {
        super("none", settings);
    }

    @Override
    public SearchResult run(SearchProblem problem) {
        return BatchOfTrajectories.run(name(), problem, settings, settings.n());
    }
}
