package flowscale.runtime.search;

import java.util.List;

/** The search methods by name. */
public final class SearchMethods {
    private static final List<String> NAMES = List.of("none", "bon", "sop", "smc", "code", "svdd", "rbf");

    private SearchMethods() {}

    public static List<String> names() {
        return NAMES;
    }

    /** The method {@code name} with its parameters overridden by {@code config}; unknown names or keys throw. */
    public static SearchMethod create(String name, SearchConfig config) {
        return switch (name) {
            case "none" -> new PlainSampling(config);
            case "bon" -> new BestOfN(config);
            case "sop" -> new SearchOverPaths(config);
            case "smc" -> new SequentialMonteCarlo(config);
            case "code" -> new BlockwiseSelection(config);
            case "svdd" -> BlockwiseSelection.svdd(config);
            case "rbf" -> new RolloverBudgetForcing(config);
            default -> throw new IllegalArgumentException("unknown search method '" + name + "'; known: " + String.join(", ", NAMES));
        };
    }

    /**
     * Runs {@code method} on {@code problem}. If the problem's listener asks the search to stop
     * ({@link SearchListener#stopRequested()}), the search ends at its next batch boundary and this returns
     * the best found so far, with the trace marked {@link Trace#interrupted() interrupted}.
     */
    public static SearchResult run(SearchMethod method, SearchProblem problem) {
        try {
            return method.run(problem);
        } catch (SearchInterrupted stopped) {
            return stopped.partial();
        }
    }

    static void requireEvaluations(String method, SearchProblem p, long needed, String why) {
        long have = p.evaluationBudget();
        if (have < needed) {
            throw new IllegalArgumentException(method + " needs a budget of at least " + needed * p.model().nfePerLatent()
                    + " NFE (" + why + "), got " + p.budget());
        }
    }
}
