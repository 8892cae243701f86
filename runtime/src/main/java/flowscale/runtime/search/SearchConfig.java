package flowscale.runtime.search;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * Settings overrides of a search method, as {@code key -> value} text (what {@code --search-opt key=value} gives).
 * Which keys a method takes, their defaults and their allowed values are declared once, in the method's settings
 * record; {@link SearchMethods#create} reads this text through it and {@link SearchMethods#help()} lists them.
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
}
