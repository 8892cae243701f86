package flowscale.runtime.search;

import flowscale.runtime.model.GaussianMixtureModel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No method ever exceeds its budget; budgets below a method's minimum are refused up front. */
class BudgetTest {

    @Test
    void noMethodEverExceedsTheBudgetFrom50To2000() {
        int ran = 0, refused = 0;
        for (String method : SearchMethods.names()) {
            for (String sampler : new String[] {"vp-sde", "ode"}) {
                for (long budget = 50; budget <= 2000; budget += 97) {
                    GaussianMixtureModel m = Toy.gmm();
                    SearchProblem p = Toy.problem(m, sampler, Toy.modeReward(m), budget, budget);
                    try {
                        SearchResult r = Toy.run(method, SearchConfig.defaults(), p);
                        assertTrue(r.trace().nfe() <= budget, method + " spent " + r.trace().nfe() + " of " + budget);
                        assertEquals(m.nfe(), r.trace().nfe(), "trace and model counters agree");
                        assertNotNull(r.best());
                        ran++;
                    } catch (IllegalArgumentException e) {
                        assertTrue(e.getMessage().contains("needs a budget of at least"), e.getMessage());
                        assertEquals(0, m.nfe(), "a refused budget spends nothing");
                        refused++;
                    }
                }
            }
        }
        assertTrue(ran > 100 && refused > 0, "ran " + ran + ", refused " + refused);
    }

    @Test
    void rbfSpendsAllButLessThanOneIterationOfTheBudget() {
        for (long budget = 70; budget <= 2000; budget += 61) {
            SearchResult r = Toy.run("rbf", SearchConfig.defaults(), Toy.problem("vp-sde", budget, 3));
            assertTrue(r.trace().nfe() <= budget && r.trace().nfe() + 2 >= budget, budget + " -> " + r.trace().nfe());
        }
    }

    @Test
    void tooSmallBudgetsAreRefusedWithTheMinimum() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Toy.run("rbf", SearchConfig.defaults(), Toy.problem("vp-sde", 69, 1)));
        assertTrue(e.getMessage().contains("at least 70"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Toy.run("bon", SearchConfig.defaults(), Toy.problem("ode", 9, 1)));
        assertThrows(IllegalArgumentException.class, () -> Toy.run("sop", SearchConfig.defaults(), Toy.problem("ode", 167, 1)));
        assertThrows(IllegalArgumentException.class, () -> Toy.run("svdd", SearchConfig.defaults(), Toy.problem("vp-sde", 499, 1)));
    }

    @Test
    void unknownMethodsAndOptionsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SearchMethods.create("beam", SearchConfig.defaults()));
        assertTrue(e.getMessage().contains("rbf"));
        assertThrows(IllegalArgumentException.class, () -> SearchMethods.create("svdd", SearchConfig.defaults().with("l", 2)));
        assertThrows(IllegalArgumentException.class, () -> SearchMethods.create("smc", SearchConfig.defaults().with("lambda", 0)));
        assertThrows(IllegalArgumentException.class, () -> SearchMethods.create("rbf", SearchConfig.defaults().with("variant", "x")));
        assertThrows(IllegalArgumentException.class, () -> SearchMethods.create("code", SearchConfig.defaults().with("k", "two")));
        assertThrows(IllegalArgumentException.class, () -> SearchMethods.create("sop", SearchConfig.defaults().with("backward", 700)));
    }
}
