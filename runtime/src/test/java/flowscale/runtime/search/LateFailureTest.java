package flowscale.runtime.search;

import flowscale.runtime.model.Condition;
import flowscale.runtime.model.GaussianMixtureModel;
import flowscale.runtime.model.VelocityModel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A search that fails after it has spent part of its budget hands back the best it found before the failure. */
class LateFailureTest {

    /** The toy model, failing once it has counted {@code failAt} NFE (a limit met late, a device lost). */
    private static VelocityModel failingAfter(VelocityModel inner, int failAt) {
        inner.resetNfe();
        return new VelocityModel() {
            @Override public int dim() { return inner.dim(); }
            @Override public int[] shape() { return inner.shape(); }
            @Override public int nfePerLatent() { return inner.nfePerLatent(); }
            @Override public long nfe() { return inner.nfe(); }
            @Override public void resetNfe() { inner.resetNfe(); }

            @Override
            public void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
                if (inner.nfe() >= failAt) throw new IllegalArgumentException("level 4096 outside [0, 4095]");
                inner.velocity(n, x, t, cond, out);
            }
        };
    }

    @Test
    void everyGuidedMethodFailingLateStillReturnsItsBestSoFar() {
        GaussianMixtureModel m = GaussianMixtureModel.toy();
        for (String method : SearchMethods.names()) {
            // Plain sampling and Best-of-N reward only at the end: failing before it, they have nothing to hand back.
            if (method.equals("none") || method.equals("bon")) continue;
            SearchConfig cfg = SearchConfig.defaults();
            long full = SearchMethods.run(SearchMethods.create(method, cfg), Toy.problem(m, "vp-sde", Toy.modeReward(m), 500, 3)).trace().nfe();
            SearchProblem p = Toy.problem(failingAfter(m, (int) (full * 3 / 4)), "vp-sde", Toy.modeReward(m), 500, 3);
            SearchFailed f = assertThrows(SearchFailed.class, () -> SearchMethods.run(SearchMethods.create(method, cfg), p), method);
            assertEquals("level 4096 outside [0, 4095]", f.getCause().getMessage());
            SearchResult partial = f.partial();
            assertNotNull(partial.best(), method + " lost what it had found");
            assertTrue(Double.isFinite(partial.bestReward()), method);
            assertTrue(partial.trace().nfe() > 0 && partial.trace().nfe() < 500, method);
        }
    }

    @Test
    void aFailureBeforeAnyRewardIsPassedOnAsItIs() {
        GaussianMixtureModel m = GaussianMixtureModel.toy();
        SearchProblem p = Toy.problem(failingAfter(m, 0), "vp-sde", Toy.modeReward(m), 500, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SearchMethods.run(SearchMethods.create("bon", SearchConfig.defaults()), p));
        assertEquals("level 4096 outside [0, 4095]", e.getMessage());
    }
}
