package flowscale.runtime.search;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each method's settings are declared once, in its settings record: defaults, parsing, help and trace come from it. */
class SearchSettingsTest {

    /** What method.md §5 and the reference code fix as defaults, written here by hand as the oracle. */
    private static final Map<String, Record> DEFAULTS = Map.of(
            "none", new PlainSamplingSettings(1),
            "bon", new BestOfNSettings(OptionalInt.empty()),
            "sop", new SearchOverPathsSettings(2, 5, 4, 780, 810, 120),
            "smc", new SequentialMonteCarloSettings(OptionalInt.empty(), 1.0, 1.0),
            "code", new BlockwiseSelectionSettings(2, 25, 2, BlockwiseSelectionSettings.Variant.PAPER),
            "svdd", new SvddSettings(2, 25, BlockwiseSelectionSettings.Variant.PAPER),
            "rbf", new RolloverBudgetForcingSettings(2, 25, RolloverBudgetForcingSettings.Variant.CODE, 1));

    @Test
    void defaultsComeFromTheRecord() {
        assertEquals(DEFAULTS.keySet(), java.util.Set.copyOf(SearchMethods.names()));
        assertEquals(List.of("none", "bon", "sop", "smc", "code", "svdd", "rbf"), SearchMethods.names());
        for (String method : SearchMethods.names()) {
            assertEquals(DEFAULTS.get(method), SearchMethods.settings(method).defaults(), method);
            assertEquals(DEFAULTS.get(method), SearchMethods.settings(method).parse(method, SearchConfig.defaults()), method);
        }
        assertEquals(25, RolloverBudgetForcingSettings.defaults().init());
    }

    @Test
    void givingEveryDefaultExplicitlyRunsBitIdenticallyToGivingNone() {
        for (String method : SearchMethods.names()) {
            SearchConfig explicit = SearchConfig.defaults();
            for (Map.Entry<String, Object> e : settingsOf(method, SearchMethods.settings(method).defaults()).entrySet()) {
                if (!e.getValue().equals("budget/M")) explicit = explicit.with(e.getKey(), e.getValue());
            }
            SearchResult a = Toy.run(method, SearchConfig.defaults(), Toy.problem("vp-sde", 500, 3));
            SearchResult b = Toy.run(method, explicit, Toy.problem("vp-sde", 500, 3));
            assertArrayEquals(a.best(), b.best(), method);
            assertEquals(a.trace().levels().size(), b.trace().levels().size(), method);
            assertEquals(a.trace().settings(), b.trace().settings(), method);
        }
    }

    @Test
    void helpListsEveryKeyWithItsDefault() {
        List<String> help = SearchMethods.help();
        String text = String.join("\n", help);
        for (String method : SearchMethods.names()) {
            SettingsSchema<?> schema = SearchMethods.settings(method);
            int header = help.indexOf(help.stream().filter(l -> l.startsWith(method + " (")).findFirst().orElseThrow());
            List<String> lines = help.subList(header + 1, header + 1 + schema.keys().size());
            for (int i = 0; i < schema.keys().size(); i++) {
                assertTrue(lines.get(i).startsWith("  " + schema.keys().get(i) + "="), method + ": " + lines.get(i));
            }
            for (String pair : schema.defaultsLine().split(" ")) assertTrue(text.contains("  " + pair + " "), method + " lacks " + pair);
        }
        for (String expected : new String[] {"n=budget/M", "ode-steps=4", "forward=780", "backward=810", "seed-t=120",
                "lambda=1 (alias beta)", "ess-threshold=1", "l=2", "init=25", "variant=code", "one of code, paper",
                "a number in (0, 1000]", "a number in [0.001, 1000)", "a number in [0, 1]", "a number > 0", "an integer >= 1"}) {
            assertTrue(text.contains(expected), "help lacks " + expected + ":\n" + text);
        }
    }

    @Test
    void anUnknownKeyIsOneLineNamingTheMethodsValidKeys() {
        String msg = refused("sop", SearchConfig.defaults().with("l", 2).with("n", 3));
        assertEquals("unknown search option 'l' for sop; valid keys: n, k, ode-steps, forward, backward, seed-t", msg);
        assertEquals("unknown search options 'beam', 'q' for smc; valid keys: n, lambda or beta, ess-threshold",
                refused("smc", SearchConfig.defaults().with("q", 1).with("beam", 2)));
        assertTrue(refused("svdd", SearchConfig.defaults().with("l", 2)).endsWith("valid keys: n, k, variant"));
    }

    @Test
    void aBadValueIsOneLineNamingKeyValueAndRange() {
        assertEquals("search option k=two for code: must be an integer >= 1", refused("code", SearchConfig.defaults().with("k", "two")));
        assertEquals("search option n=0 for bon: must be an integer >= 1", refused("bon", SearchConfig.defaults().with("n", 0)));
        assertEquals("search option n=2.5 for none: must be an integer >= 1", refused("none", SearchConfig.defaults().with("n", 2.5)));
        assertEquals("search option lambda=0 for smc: must be a number > 0", refused("smc", SearchConfig.defaults().with("lambda", 0)));
        assertEquals("search option beta=NaN for smc: must be a number > 0", refused("smc", SearchConfig.defaults().with("beta", "NaN")));
        assertEquals("search option ess-threshold=1.5 for smc: must be a number in [0, 1]",
                refused("smc", SearchConfig.defaults().with("ess-threshold", 1.5)));
        assertEquals("search option forward=1001 for sop: must be a number in (0, 1000]",
                refused("sop", SearchConfig.defaults().with("forward", 1001)));
        assertEquals("search option seed-t=1000 for sop: must be a number in [0.001, 1000)",
                refused("sop", SearchConfig.defaults().with("seed-t", 1000)));
        assertEquals("search option variant=x for rbf: must be one of code, paper", refused("rbf", SearchConfig.defaults().with("variant", "x")));
        assertEquals("give either lambda or beta for smc (the same setting), not both",
                refused("smc", SearchConfig.defaults().with("lambda", 1).with("beta", 0.1)));
        assertTrue(refused("sop", SearchConfig.defaults().with("backward", 700)).contains("backward > forward"));
    }

    @Test
    void recordsBuiltInCodeAreCheckedToo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PlainSampling(new PlainSamplingSettings(0)));
        assertEquals("search option n=0 for none: must be an integer >= 1", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BestOfN(new BestOfNSettings(OptionalInt.of(-1))));
        assertThrows(IllegalArgumentException.class, () -> BlockwiseSelection.svdd(new SvddSettings(2, 0, BlockwiseSelectionSettings.Variant.PAPER)));
        assertThrows(IllegalArgumentException.class, () -> new SequentialMonteCarlo(new SequentialMonteCarloSettings(OptionalInt.empty(), 1, 2)));
        assertThrows(IllegalArgumentException.class, () -> new RolloverBudgetForcing(new RolloverBudgetForcingSettings(2, 25, null, 1)));
    }

    @Test
    void theTraceRecordsTheEffectiveSettings() {
        Map<String, Map<String, Object>> expected = new LinkedHashMap<>();
        expected.put("none", Map.of("n", 3));
        expected.put("bon", Map.of("n", 50));
        expected.put("sop", ordered("n", 2, "k", 3, "ode-steps", 4, "forward", 780.0, "backward", 810.0, "seed-t", 120.0));
        expected.put("smc", ordered("n", 50, "lambda", 0.1, "ess-threshold", 1.0));
        expected.put("code", ordered("n", 2, "k", 3, "l", 2, "variant", "paper"));
        expected.put("svdd", ordered("n", 2, "k", 3, "variant", "paper"));
        expected.put("rbf", ordered("n", 3, "init", 25, "variant", "paper", "speculate", 1));
        Map<String, SearchConfig> given = Map.of("none", SearchConfig.defaults().with("n", 3),
                "bon", SearchConfig.defaults(),
                "sop", SearchConfig.defaults().with("k", 3),
                "smc", SearchConfig.defaults().with("beta", "0.1"),
                "code", SearchConfig.defaults().with("k", 3),
                "svdd", SearchConfig.defaults().with("k", 3),
                "rbf", SearchConfig.defaults().with("n", 3).with("variant", "paper"));
        for (String method : SearchMethods.names()) {
            Trace t = Toy.run(method, given.get(method), Toy.problem("vp-sde", 500, 1)).trace();
            assertEquals(List.copyOf(expected.get(method).entrySet()), List.copyOf(t.settings().entrySet()), method);
            JsonNode json = TraceJson.toJson(t).get("settings");
            assertEquals(List.copyOf(expected.get(method).keySet()), iterable(json.fieldNames()), method);
            for (Map.Entry<String, Object> e : expected.get(method).entrySet()) {
                assertEquals(String.valueOf(e.getValue()), json.get(e.getKey()).asText(), method + " " + e.getKey());
            }
        }
    }

    @Test
    void theTraceKeepsItsResolvedParameters() {
        Trace t = Toy.run("rbf", SearchConfig.defaults(), Toy.problem("vp-sde", 500, 1)).trace();
        assertEquals(List.of("variant", "chains", "init", "quota", "finalChain"), List.copyOf(t.parameters().keySet()));
        assertFalse(TraceJson.toJson(t).get("parameters").isEmpty());
    }

    private static Map<String, Object> settingsOf(String method, Record settings) {
        @SuppressWarnings("unchecked")
        SettingsSchema<Record> schema = (SettingsSchema<Record>) SearchMethods.settings(method);
        return schema.values(settings);
    }

    private static String refused(String method, SearchConfig config) {
        String msg = assertThrows(IllegalArgumentException.class, () -> SearchMethods.create(method, config)).getMessage();
        assertFalse(msg.contains("\n"), "one line: " + msg);
        return msg;
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
