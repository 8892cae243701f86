package flowscale.runtime.search;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The search methods by name, each with its settings record (the one place its settings and defaults are declared). */
public final class SearchMethods {
    /** One method: its name, what it is called in full, its settings record and how it is made from one. */
    private record Entry<S extends Record>(String name, String title, Class<S> settings, Function<S, SearchMethod> make) {
        SettingsSchema<S> schema() {
            return SettingsSchema.of(settings);
        }

        SearchMethod create(SearchConfig config) {
            return make.apply(schema().parse(name, config));
        }
    }

    private static final List<Entry<?>> METHODS = List.of(
            new Entry<>("none", "plain sampling", PlainSamplingSettings.class, PlainSampling::new),
            new Entry<>("bon", "Best-of-N", BestOfNSettings.class, BestOfN::new),
            new Entry<>("sop", "Search over Paths", SearchOverPathsSettings.class, SearchOverPaths::new),
            new Entry<>("smc", "sequential Monte Carlo", SequentialMonteCarloSettings.class, SequentialMonteCarlo::new),
            new Entry<>("code", "CoDe, blockwise Best-of-N", BlockwiseSelectionSettings.class, BlockwiseSelection::code),
            new Entry<>("svdd", "SVDD, CoDe with blocks of one step", SvddSettings.class, BlockwiseSelection::svdd),
            new Entry<>("rbf", "Rollover Budget Forcing", RolloverBudgetForcingSettings.class, RolloverBudgetForcing::new));

    private SearchMethods() {}

    public static List<String> names() {
        return METHODS.stream().map(Entry::name).toList();
    }

    /** The method {@code name} with its settings overridden by {@code config}; unknown names, keys or values throw. */
    public static SearchMethod create(String name, SearchConfig config) {
        return entry(name).create(config);
    }

    /** The settings schema of the method {@code name}: its keys, defaults and allowed values. */
    public static SettingsSchema<?> settings(String name) {
        return entry(name).schema();
    }

    /**
     * Every method's settings, for a help text: a line {@code name (title):} per method, then one indented line per
     * key, {@code key=default  meaning: allowed values}.
     */
    public static List<String> help() {
        List<String> lines = new ArrayList<>();
        for (Entry<?> e : METHODS) {
            lines.add(e.name() + " (" + e.title() + "):");
            for (String line : e.schema().help()) lines.add("  " + line);
        }
        return lines;
    }

    private static Entry<?> entry(String name) {
        for (Entry<?> e : METHODS) if (e.name().equals(name)) return e;
        throw new IllegalArgumentException("unknown search method '" + name + "'; known: " + String.join(", ", names()));
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

    /**
     * The {@code budget/M} default of Best-of-N and SMC: as many whole trajectories as the budget pays for, each
     * costing {@code perTrajectory} latent evaluations (M, more when a faithful one-step estimate costs two).
     */
    static int trajectoriesInBudget(SearchProblem p, long perTrajectory) {
        return (int) Math.min(p.evaluationBudget() / perTrajectory, NoiseStreams.MAX_PARTICLE);
    }

    /** Latent evaluations one clean estimate costs on the problem's sampler and model ({@link flowscale.runtime.flow.Estimate}). */
    static int latentsPerEstimate(SearchProblem p) {
        return p.sampler().estimate().resolve(p.model()).latentsPerEstimate();
    }

    static void requireEvaluations(String method, SearchProblem p, long needed, String why) {
        long have = p.evaluationBudget();
        if (have < needed) {
            throw new IllegalArgumentException(method + " needs a budget of at least " + needed * p.model().nfePerLatent()
                    + " NFE (" + why + "), got " + p.budget());
        }
    }
}
