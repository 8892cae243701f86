package flowscale.runtime.search;

import flowscale.kernels.NoiseScheme;
import flowscale.runtime.model.GaussianMixtureModel;
import flowscale.runtime.reward.Reward;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A non-finite estimate or reward is never selected, accepted or resampled, and is counted in the trace. */
class NonFiniteTest {

    @Test
    void nonFiniteRewardsAreNeverSelectedAndAreCounted() {
        // the close ring: its particles stay spread enough that every method keeps some finite candidates
        GaussianMixtureModel m = GaussianMixtureModel.toy();
        Reward base = Toy.modeReward(m);
        // NaN within 1.0 of the target mode's centre, +infinity from 1.0 to 1.5: the search is drawn there, but
        // neither may win
        Reward broken = Toy.reward("broken", x -> {
            double r = score(base, x);
            return r > -1.0 ? Double.NaN : r > -1.5 ? Double.POSITIVE_INFINITY : r;
        });
        for (String method : SearchMethods.names()) {
            SearchConfig cfg = method.equals("none") ? SearchConfig.defaults().with("n", 20) : SearchConfig.defaults();
            // seed 17 of the Box-Muller noise takes every guided method into the broken region (a property of the draw)
            SearchResult r = Toy.run(method, cfg, Toy.problem(m, "vp-sde", broken, 500, 17).withNoiseScheme(NoiseScheme.BOX_MULLER_V1));
            assertNotNull(r.best(), method);
            assertTrue(score(base, r.best()) <= -1.5, method + " selected a latent whose reward was not finite");
            assertTrue(Double.isFinite(r.bestReward()), method);
            if (!method.equals("none") && !method.equals("bon")) {
                // every guided search is drawn into the broken region around the target at some point
                assertTrue(r.trace().nonFinite() > 0, method + " did not count non-finite rewards");
            }
            for (LevelRecord l : r.trace().levels()) {
                if (l.accepted() >= 0 && l.reason() != LevelRecord.Reason.NONE_FINITE) {
                    assertTrue(Double.isFinite(l.rewards()[l.accepted()]), method + " accepted a non-finite reward");
                }
                if (l.ancestors() != null) {
                    for (int a : l.ancestors()) assertTrue(Double.isFinite(l.rewards()[a]), "smc resampled a non-finite particle");
                }
            }
        }
    }

    @Test
    void estimatesWithNanNeverReachTheReward() {
        GaussianMixtureModel m = Toy.gmm();
        Reward strict = Toy.reward("strict", x -> {
            for (float v : x) if (!Float.isFinite(v)) throw new AssertionError("a non-finite estimate reached the reward");
            return -Math.abs(x[0]);
        });
        flowscale.runtime.model.VelocityModel nanOnRight = new flowscale.runtime.model.VelocityModel() {
            public int dim() { return m.dim(); }
            public int[] shape() { return m.shape(); }
            public void velocity(int n, float[][] x, double[] t, flowscale.runtime.model.Condition[] c, float[][] out) {
                m.velocity(n, x, t, c, out);
                for (int i = 0; i < n; i++) if (x[i][1] > 1.5f) out[i][0] = Float.NaN;
            }
            public int nfePerLatent() { return 1; }
            public long nfe() { return m.nfe(); }
            public void resetNfe() { m.resetNfe(); }
        };
        long nonFinite = 0;
        for (String method : SearchMethods.names()) {
            SearchResult r = Toy.run(method, SearchConfig.defaults(), Toy.problem(nanOnRight, "vp-sde", strict, 500, 3));
            if (r.best() != null) {
                for (float v : r.best()) assertTrue(Float.isFinite(v), method);
            }
            nonFinite += r.trace().nonFinite();
        }
        assertTrue(nonFinite > 0, "the model produced no NaN estimate: the test checked nothing");
    }

    @Test
    void aRunWithoutAnyFiniteCandidateReportsNoBest() {
        SearchResult r = Toy.run("bon", SearchConfig.defaults(), Toy.problem(Toy.gmm(), "ode", Toy.reward("nan", x -> Double.NaN), 100, 1));
        assertNull(r.best());
        assertTrue(r.trace().nonFinite() == 10);
    }

    private static double score(Reward r, float[] x) {
        double[] out = new double[1];
        r.score(1, new float[][] {x}, null, out);
        return out[0];
    }
}
