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
        BestSoFar kept = new BestSoFar(problem.listener());
        try {
            return method.run(problem.withListener(kept));
        } catch (SearchInterrupted stopped) {
            return stopped.partial();
        } catch (RuntimeException | OutOfMemoryError e) {
            // A limit met late (or memory running out) should not lose what the budget already bought.
            SearchResult partial = kept.partial();
            if (partial == null) throw e;
            throw new SearchFailed(e, partial);
        }
    }

    /** Passes everything on to the caller's listener and keeps the running search's best-so-far supplier. */
    private static final class BestSoFar implements SearchListener {
        private final SearchListener inner;
        private java.util.function.Supplier<SearchResult> bestSoFar;

        BestSoFar(SearchListener inner) {
            this.inner = inner;
        }

        @Override
        public void progress(long nfe, long budget, double bestReward) {
            inner.progress(nfe, budget, bestReward);
        }

        @Override
        public boolean stopRequested() {
            return inner.stopRequested();
        }

        @Override
        public void started(java.util.function.Supplier<SearchResult> s) {
            bestSoFar = s;
            inner.started(s);
        }

        SearchResult partial() {
            try {
                return bestSoFar == null ? null : bestSoFar.get();
            } catch (RuntimeException | OutOfMemoryError e) {
                return null;
            }
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
