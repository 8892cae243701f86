package flowscale.runtime.search;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stop request ends a search at its next batch boundary with the best found so far, marked interrupted. */
class StopTest {

    /** Asks to stop once the search has spent at least {@code after} NFE. */
    private static SearchListener stopAfter(long after, StopFlag flag) {
        return new SearchListener() {
            @Override
            public void progress(long nfe, long budget, double bestReward) {
                if (nfe >= after) flag.request();
            }

            @Override
            public boolean stopRequested() {
                return flag.requested();
            }
        };
    }

    @Test
    void rbfStoppedMidwayKeepsTheBestSeenAndMarksTheTrace() {
        StopFlag flag = new StopFlag();
        SearchProblem p = Toy.problem("vp-sde", 500, 1).withListener(stopAfter(120, flag));
        SearchResult r = SearchMethods.run(SearchMethods.create("rbf", SearchConfig.defaults()), p);
        assertTrue(flag.requested());
        assertTrue(r.trace().interrupted());
        long nfe = r.trace().nfe();
        assertTrue(nfe >= 120 && nfe <= 122, "stopped at the first batch boundary past 120 NFE, got " + nfe);
        assertTrue(r.found());
        double maxRecorded = r.trace().levels().stream().flatMapToDouble(l -> Arrays.stream(l.rewards()))
                .filter(Double::isFinite).max().orElseThrow();
        assertTrue(r.bestReward() >= maxRecorded, r.bestReward() + " < " + maxRecorded);
        assertEquals(r.bestReward(), r.trace().bestReward());
        assertEquals(2, r.finalCandidates().size(), "the last batch: one candidate per chain");
        assertTrue(r.finalCandidates().stream().anyMatch(c -> Double.isFinite(c.reward())));
    }

    @Test
    void withoutARequestTheResultIsTheUninterruptedOne() {
        SearchResult plain = Toy.run("rbf", SearchConfig.defaults(), Toy.problem("vp-sde", 300, 4));
        SearchResult watched = SearchMethods.run(SearchMethods.create("rbf", SearchConfig.defaults()),
                Toy.problem("vp-sde", 300, 4).withListener(stopAfter(Long.MAX_VALUE, new StopFlag())));
        assertFalse(watched.trace().interrupted());
        assertArrayEquals(plain.best(), watched.best());
        assertEquals(plain.trace().nfe(), watched.trace().nfe());
        assertEquals(plain.trace().levels().size(), watched.trace().levels().size());
    }

    @Test
    void everyMethodStopsAtItsFirstBatchBoundaryWithinBudget() {
        for (String method : SearchMethods.names()) {
            StopFlag flag = new StopFlag();
            flag.request();
            SearchProblem p = Toy.problem("vp-sde", 500, 2).withListener(stopAfter(0, flag));
            SearchResult r = SearchMethods.run(SearchMethods.create(method, SearchConfig.defaults()), p);
            assertTrue(r.trace().interrupted(), method);
            assertTrue(r.trace().nfe() > 0 && r.trace().nfe() < 500, method + " spent " + r.trace().nfe());
            if (r.found()) {
                assertNotNull(r.best());
                assertTrue(Double.isFinite(r.bestReward()), method);
            }
        }
    }

    @Test
    void callingRunDirectlySurfacesTheStopAsAnException() {
        StopFlag flag = new StopFlag();
        flag.request();
        SearchProblem p = Toy.problem("vp-sde", 500, 2).withListener(stopAfter(0, flag));
        SearchInterrupted e = assertThrows(SearchInterrupted.class, () -> Toy.run("rbf", SearchConfig.defaults(), p));
        assertTrue(e.partial().trace().interrupted());
    }
}
