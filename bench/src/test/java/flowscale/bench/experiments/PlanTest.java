package flowscale.bench.experiments;

import flowscale.runtime.search.Candidate;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlanTest {

    @Test
    void rbfKeepsTenPercentForItsInitialNoisesBelow500Nfe() {
        assertEquals(Map.of("init", "2"), Cell.of("rbf", "vp-sde", 50).options());
        assertEquals(Map.of("init", "5"), Cell.of("rbf", "vp-sde", 100).options());
        assertEquals(Map.of("init", "15"), Cell.of("rbf", "vp-sde", 300).options());
        assertEquals(Map.of(), Cell.of("rbf", "vp-sde", 500).options());
        assertEquals(Map.of(), Cell.of("rbf", "vp-sde", 1000).options());
        assertEquals(Map.of(), Cell.of("bon", "ode", 50).options());
        assertEquals("rbf|vp-sde|100|init=5", Cell.of("rbf", "vp-sde", 100).key());
        assertEquals(Map.of("init", "5", "n", "3"), Cell.parseOptions("init=5;n=3"));
    }

    @Test
    void sectionsShareCellsAndEachRunsOnce() {
        ExperimentPlan full = ExperimentPlan.full();
        List<Cell> cells = full.cells();
        // 3 base + 6x3 methods + scaling (3 lines x 5 budgets, 3 of them at 500 already listed) + 2 new ablation samplers
        assertEquals(3 + 18 + 12 + 2, cells.size());
        assertEquals(cells.size(), cells.stream().map(Cell::key).distinct().count());
        assertTrue(cells.contains(full.mainJob()));
        assertTrue(cells.contains(Cell.of("rbf", "linear-sde-adapt-diff", 500)));
        ExperimentPlan quick = ExperimentPlan.quick();
        assertEquals(2 + 4 + 3 + 3, quick.cells().size());
    }

    @Test
    void theClaimsPlanHasTheComparedCellsTheControlsAndTheFaithfulEstimates() {
        ExperimentPlan claims = ExperimentPlan.named("claims");
        List<Cell> cells = claims.cells();
        // 3 base + 2x3 methods + 2 scaling lines at 100 NFE + 2 grid-matched controls + RBF with faithful estimates
        assertEquals(3 + 6 + 2 + 2 + 1, cells.size());
        assertEquals(cells.size(), cells.stream().map(Cell::key).distinct().count());
        for (String s : List.of("ode-vp-grid", "linear-sde-adapt-time")) {
            assertTrue(cells.contains(Cell.of("rbf", s, 500)), s);
        }
        Cell faithful = claims.estimateCell("rbf", "vp-sde", "faithful");
        assertTrue(cells.contains(faithful));
        assertEquals("rbf|vp-sde|500|estimate=faithful", faithful.key());
        assertEquals("faithful", faithful.estimate());
        assertEquals(Map.of(), faithful.config().options(), "the estimate is not a setting of the search method");
        assertEquals(ExperimentPlan.full(), ExperimentPlan.named("full"));
        assertThrows(IllegalArgumentException.class, () -> ExperimentPlan.named("everything"));
    }

    @Test
    void diversityIsTheMeanPairwiseRmsOfFiniteCandidates() {
        float[] a = {0, 0, 0, 0}, b = {1, 1, 1, 1}, c = {1, -1, 1, -1};
        // rms(a,b) = 1, rms(a,c) = 1, rms(b,c) = sqrt(8/4) = sqrt(2)
        double d = Diversity.meanPairwiseRms(List.of(new Candidate(a, 0), new Candidate(b, -1), new Candidate(c, -2),
                new Candidate(new float[] {9, 9, 9, 9}, Double.NEGATIVE_INFINITY)));
        assertEquals((1 + 1 + Math.sqrt(2)) / 3, d, 1e-12);
        assertTrue(Double.isNaN(Diversity.meanPairwiseRms(List.of(new Candidate(a, 0)))));
    }
}
