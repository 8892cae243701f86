package flowscale.kernels.architecture;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A layering rule over packages: layers from top to bottom, each a set of package patterns. A package may
 * depend on packages of its own layer and of the layers below it, never on one above; a package no pattern
 * places is a violation too (so a new package has to be given its layer), and the packages must not form a
 * cycle, inside a layer included. Pattern {@code a.b} is that package alone, {@code a.b..} the package and its
 * subpackages; the longest pattern that matches wins, so {@code a..} can sit below a more specific {@code a.b..}.
 */
public final class Layers {
    private final List<String> names = new ArrayList<>();
    private final Map<String, Integer> patterns = new LinkedHashMap<>();

    /** Adds the next layer down. */
    public Layers layer(String name, String... packagePatterns) {
        int index = names.size();
        names.add(name);
        for (String p : packagePatterns) {
            if (patterns.putIfAbsent(p, index) != null) throw new IllegalArgumentException("pattern " + p + " is in two layers");
        }
        return this;
    }

    /**
     * The violations of the classes under {@code classes} (a directory or jar) in packages starting with
     * {@code prefix}. The scan must find {@code known}, a reference those classes are known to make, so that a
     * scan of the wrong place cannot pass for want of classes.
     */
    public List<String> violationsIn(Path classes, String prefix, PackageDependencies.Edge known) {
        List<PackageDependencies.Edge> edges = PackageDependencies.scan(classes, prefix);
        if (!edges.contains(known)) {
            throw new IllegalStateException("the scan of " + classes + " found " + edges.size() + " references but not " + known);
        }
        return violations(edges);
    }

    /** Every way {@code edges} break the rule, one line each, naming the classes; empty when they keep it. */
    public List<String> violations(List<PackageDependencies.Edge> edges) {
        List<String> out = new ArrayList<>();
        Set<String> unplaced = new TreeSet<>();
        for (PackageDependencies.Edge e : edges) {
            Integer from = layerOf(e.fromPackage());
            Integer to = layerOf(e.toPackage());
            if (from == null) unplaced.add(e.fromPackage());
            if (to == null) unplaced.add(e.toPackage());
            if (from != null && to != null && to < from) {
                out.add(e + ": " + names.get(from) + " (" + e.fromPackage() + ") may not depend on "
                        + names.get(to) + " (" + e.toPackage() + "), a layer above it");
            }
        }
        for (String p : unplaced) out.add("package " + p + " is in no layer; add it to one");
        out.addAll(cycles(edges));
        return out;
    }

    private Integer layerOf(String pkg) {
        Integer best = null;
        int bestLength = -1;
        for (Map.Entry<String, Integer> p : patterns.entrySet()) {
            String pattern = p.getKey();
            boolean matches = pattern.endsWith("..")
                    ? pkg.equals(pattern.substring(0, pattern.length() - 2)) || pkg.startsWith(pattern.substring(0, pattern.length() - 1))
                    : pkg.equals(pattern);
            if (matches && pattern.length() > bestLength) {
                best = p.getValue();
                bestLength = pattern.length();
            }
        }
        return best;
    }

    /** One line per package cycle (a strongly connected set of packages), with one class edge per step. */
    static List<String> cycles(List<PackageDependencies.Edge> edges) {
        Map<String, Map<String, PackageDependencies.Edge>> graph = new TreeMap<>();
        for (PackageDependencies.Edge e : edges) {
            graph.computeIfAbsent(e.fromPackage(), k -> new TreeMap<>()).putIfAbsent(e.toPackage(), e);
            graph.computeIfAbsent(e.toPackage(), k -> new TreeMap<>());
        }
        List<String> out = new ArrayList<>();
        for (Set<String> component : new Tarjan(graph).components()) {
            if (component.size() < 2) continue;
            out.add("package cycle " + String.join(" <-> ", component) + ": " + path(graph, component));
        }
        return out;
    }

    /** The shortest walk from the component's first package back to itself, shown as one class edge per step. */
    private static String path(Map<String, Map<String, PackageDependencies.Edge>> graph, Set<String> component) {
        String start = component.iterator().next();
        Map<String, String> previous = new HashMap<>();
        ArrayDeque<String> queue = new ArrayDeque<>(List.of(start));
        Set<String> seen = new HashSet<>(Set.of(start));
        String last = null;
        search:
        while (!queue.isEmpty()) {
            String p = queue.poll();
            for (String q : graph.get(p).keySet()) {
                if (!component.contains(q)) continue;
                if (q.equals(start)) {
                    last = p;
                    break search;
                }
                if (seen.add(q)) {
                    previous.put(q, p);
                    queue.add(q);
                }
            }
        }
        List<String> route = new ArrayList<>();
        for (String s = last; s != null; s = previous.get(s)) route.addFirst(s);
        route.add(start);
        List<String> steps = new ArrayList<>();
        for (int i = 0; i + 1 < route.size(); i++) steps.add(graph.get(route.get(i)).get(route.get(i + 1)).toString());
        return String.join(", ", steps);
    }

    /** Tarjan's strongly connected components, each in visiting order. */
    private static final class Tarjan {
        private final Map<String, Map<String, PackageDependencies.Edge>> graph;
        private final Map<String, Integer> index = new HashMap<>(), low = new HashMap<>();
        private final List<String> stack = new ArrayList<>();
        private final Set<String> onStack = new LinkedHashSet<>();
        private final List<Set<String>> components = new ArrayList<>();

        Tarjan(Map<String, Map<String, PackageDependencies.Edge>> graph) {
            this.graph = graph;
        }

        List<Set<String>> components() {
            for (String v : graph.keySet()) if (!index.containsKey(v)) visit(v);
            return components;
        }

        private void visit(String v) {
            index.put(v, index.size());
            low.put(v, index.get(v));
            stack.add(v);
            onStack.add(v);
            for (String w : graph.get(v).keySet()) {
                if (!index.containsKey(w)) {
                    visit(w);
                    low.put(v, Math.min(low.get(v), low.get(w)));
                } else if (onStack.contains(w)) {
                    low.put(v, Math.min(low.get(v), index.get(w)));
                }
            }
            if (low.get(v).equals(index.get(v))) {
                Set<String> component = new TreeSet<>();
                String w;
                do {
                    w = stack.removeLast();
                    onStack.remove(w);
                    component.add(w);
                } while (!w.equals(v));
                components.add(component);
            }
        }
    }
}
