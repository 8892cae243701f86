package flowscale.runtime.search;

import java.util.OptionalInt;

/**
 * Best-of-N (method.md §5.1): N = budget / M independent trajectories (or {@code n}), each rewarded once
 * on its final clean estimate, argmax returned. Spends exactly N·M evaluations (N·(M + 1) when that estimate is a
 * faithful one-step jump, which also sets the default N to budget / (M + 1)).
 */
public final class BestOfN extends MethodWithSettings<BestOfNSettings> {
    public BestOfN(BestOfNSettings settings) {
        super("bon", settings);
    }

    @Override
    public SearchResult run(SearchProblem problem) {
        int n = settings.n().orElse(SearchMethods.trajectoriesInBudget(problem, BatchOfTrajectories.perTrajectory(problem)));
        return BatchOfTrajectories.run(name(), problem, new BestOfNSettings(OptionalInt.of(n)), n);
    }
}
