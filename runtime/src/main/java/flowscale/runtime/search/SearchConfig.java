package flowscale.runtime.search;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Parameter overrides of a search method, as {@code key -> value} text (what {@code --search-opt key=value}
 * gives). A method reads the keys it knows with its own defaults (method.md §5) and rejects any other key.
 * Keys used by the methods:
 * <ul>
 *   <li>{@code n} particles / parents / chains (BoN, SMC: default budget / M; SoP, CoDe, SVDD, RBF: 2; none: 1)</li>
 *   <li>{@code k} proposals per parent (SoP 5, CoDe 25, SVDD 25)</li>
 *   <li>{@code l} block length of CoDe (2)</li>
 *   <li>{@code lambda} (alias {@code beta}) SMC temperature: weights exp(r / lambda) (1.0; the paper's beta is 0.1)</li>
 *   <li>{@code ess-threshold} SMC resampling threshold as a fraction of N (1.0)</li>
 *   <li>{@code init} RBF initial candidates per chain (25)</li>
 *   <li>{@code variant} RBF control flow: {@code code} (default) or {@code paper} (Alg. 2)</li>
 *   <li>{@code ode-steps}, {@code forward}, {@code backward}, {@code seed-t} Search over Paths (4, 780, 810, 120;
 *       times on the 0..1000 scale of the sampler's own time)</li>
 * </ul>
 */
public record SearchConfig(Map<String, String> options) {

    public SearchConfig {
        options = Map.copyOf(new TreeMap<>(options));
        for (String k : options.keySet()) {
            if (k.isBlank()) throw new IllegalArgumentException("empty search option name");
        }
    }

    public static SearchConfig defaults() {
        return new SearchConfig(Map.of());
    }

    /** Parses {@code key=value} items; a key given twice keeps the last value. */
    public static SearchConfig parse(Collection<String> items) {
        Map<String, String> m = new TreeMap<>();
        for (String item : items) {
            int eq = item.indexOf('=');
            if (eq <= 0 || eq == item.length() - 1) {
                throw new IllegalArgumentException("search option '" + item + "' is not key=value");
            }
            m.put(item.substring(0, eq).strip(), item.substring(eq + 1).strip());
        }
        return new SearchConfig(m);
    }

    public SearchConfig with(String key, Object value) {
        Map<String, String> m = new TreeMap<>(options);
        m.put(key, String.valueOf(value));
        return new SearchConfig(m);
    }

    public boolean has(String key) {
        return options.containsKey(key);
    }

    /** A positive integer option. */
    public int positiveInt(String key, int dflt) {
        String v = options.get(key);
        if (v == null) return dflt;
        try {
            int i = Integer.parseInt(v);
            if (i < 1) throw new IllegalArgumentException("search option " + key + " must be >= 1, got " + v);
            return i;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("search option " + key + " must be an integer, got '" + v + "'");
        }
    }

    /** A finite double option within [min, max]. */
    public double number(String key, double dflt, double min, double max) {
        String v = options.get(key);
        if (v == null) return dflt;
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("search option " + key + " must be a number, got '" + v + "'");
        }
        if (!(d >= min && d <= max)) {
            throw new IllegalArgumentException("search option " + key + " must be in [" + min + ", " + max + "], got " + v);
        }
        return d;
    }

    /** One of the allowed words. */
    public String choice(String key, String dflt, List<String> allowed) {
        String v = options.getOrDefault(key, dflt);
        if (!allowed.contains(v)) {
            throw new IllegalArgumentException("search option " + key + " must be one of " + allowed + ", got '" + v + "'");
        }
        return v;
    }

    /** Rejects keys the method does not know, naming the ones it does. */
    public void requireOnly(String method, Set<String> known) {
        List<String> unknown = new ArrayList<>();
        for (String k : options.keySet()) {
            if (!known.contains(k)) unknown.add(k);
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown search option(s) " + unknown + " for " + method
                    + (known.isEmpty() ? " (it takes none)" : "; known: " + new TreeSet<>(known)));
        }
    }
}
