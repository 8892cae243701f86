package flowscale.bench.experiments;

import flowscale.runtime.search.RolloverBudgetForcingSettings;
import flowscale.runtime.search.SearchConfig;

import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One configuration of the experiments: a search method, a sampler, an NFE budget and the method's option
 * overrides (empty = the reference code's defaults). Run once per prompt; its {@link #key()} names its rows in
 * the results file.
 */
public record Cell(String method, String sampler, long budget, Map<String, String> options) {

    /** RBF's default initial candidates per chain (method.md §5.6), as its settings record declares it. */
    static final int RBF_DEFAULT_INIT = RolloverBudgetForcingSettings.defaults().init();

    public Cell {
        options = Map.copyOf(new TreeMap<>(options));
        if (budget < 1) throw new IllegalArgumentException("budget must be >= 1 NFE, got " + budget);
    }

    /**
     * The method with its defaults, except RBF below 500 NFE: its pre-selection of 25 noises per chain alone
     * would cost 50 NFE, so there it keeps 10 % of the budget for the initial noises (init = budget / 20 per
     * chain, at least 1): 2 at 50 NFE, 5 at 100, 15 at 300, and the default 25 from 500 NFE up (the code's
     * {@code init_n_particles} is a constant; how the paper ran RBF at 50 NFE is not stated).
     */
    static Cell of(String method, String sampler, long budget) {
        if (method.equals("rbf")) {
            long init = Math.max(1, Math.min(RBF_DEFAULT_INIT, budget / 20));
            if (init != RBF_DEFAULT_INIT) return new Cell(method, sampler, budget, Map.of("init", Long.toString(init)));
        }
        return new Cell(method, sampler, budget, Map.of());
    }

    /**
     * Cell options that are not the search method's settings: {@code estimate} forces the sampler's clean-estimate mode
     * ({@link flowscale.runtime.flow.Estimate}); unset, the model's default ({@code auto}) is used.
     */
    static final String ESTIMATE = "estimate";

    /** This cell with one more option. */
    Cell with(String key, String value) {
        Map<String, String> m = new TreeMap<>(options);
        m.put(key, value);
        return new Cell(method, sampler, budget, m);
    }

    /** The search method's settings: the options without {@link #ESTIMATE}. */
    public SearchConfig config() {
        Map<String, String> m = new TreeMap<>(options);
        m.remove(ESTIMATE);
        return new SearchConfig(m);
    }

    /** The forced estimate mode, or null for the model's default. */
    String estimate() {
        return options.get(ESTIMATE);
    }

    /** Options as {@code k=v;k=v} (sorted), empty when there are none. */
    public String optionText() {
        return options.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(";"));
    }

    /** Parses {@link #optionText()}. */
    static Map<String, String> parseOptions(String text) {
        Map<String, String> m = new TreeMap<>();
        if (text.isEmpty()) return m;
        for (String item : text.split(";")) {
            int eq = item.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("bad option '" + item + "' in '" + text + "'");
            m.put(item.substring(0, eq), item.substring(eq + 1));
        }
        return m;
    }

    /** Identity within one model and seed: {@code method|sampler|budget|options}. */
    public String key() {
        return method + "|" + sampler + "|" + budget + "|" + optionText();
    }

    /** Short human name, e.g. {@code rbf vp-sde 500}. */
    public String label() {
        return method + " " + sampler + " " + budget + (options.isEmpty() ? "" : " (" + optionText() + ")");
    }
}
