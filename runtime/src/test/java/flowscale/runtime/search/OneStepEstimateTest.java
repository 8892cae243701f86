package flowscale.runtime.search;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.runtime.flow.Estimate;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DiT;
import flowscale.runtime.model.DiTCheckpoints;
import flowscale.runtime.model.DiTConfig;
import flowscale.runtime.model.GaussianMixtureModel;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.Reward;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Searching a few-step (shortcut) model with its one-step estimate, on a small random shortcut DiT: the exact NFE of
 * every method in both accountings (schnell-like: one latent per candidate, RBF at 498 of 500; faithful: the velocity
 * plus the jump, two per estimate), the step sizes the model is asked for, and the returned image being the jump.
 */
class OneStepEstimateTest {
    static final DiTConfig CONFIG = DiTConfig.of(16, 1, 2, 2.0, 4, 3).withShortcut(true);
    static Backend backend;
    static DiT dit;

    @BeforeAll
    static void load() {
        backend = Backends.create("cpu");
        Map<String, float[]> weights = DiTCheckpoints.randomWeights(CONFIG, 3);
        dit = DiT.fromWeights(CONFIG, weights, backend);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    /** The shortcut DiT, recording every call's times and step sizes. */
    static final class Recording implements VelocityModel {
        final List<double[]> t = new ArrayList<>(), d = new ArrayList<>();
        private long nfe;

        @Override public int dim() { return dit.dim(); }
        @Override public int[] shape() { return dit.shape(); }
        @Override public int nfePerLatent() { return 1; }
        @Override public long nfe() { return nfe; }
        @Override public void resetNfe() { nfe = 0; }
        @Override public boolean takesStepSize() { return true; }

        @Override
        public void velocity(int n, float[][] x, double[] times, Condition[] cond, float[][] out) {
            velocity(n, x, times, null, cond, out);
        }

        @Override
        public void velocity(int n, float[][] x, double[] times, double[] steps, Condition[] cond, float[][] out) {
            t.add(java.util.Arrays.copyOf(times, n));
            d.add(steps == null ? new double[n] : java.util.Arrays.copyOf(steps, n));
            dit.velocity(n, x, times, steps, cond, out);
            nfe += n;
        }
    }

    /** A reward that spreads: the mean of the estimate. */
    static final Reward MEAN = Toy.reward("mean", x -> {
        double s = 0;
        for (float v : x) s += v;
        return s / x.length;
    });

    static SearchResult run(String method, Recording model, String sampler, Estimate e, long budget) {
        SearchProblem p = new SearchProblem(model, Sampler.named(sampler).withEstimate(e), MEAN, budget, 7);
        SearchResult r = Toy.run(method, SearchConfig.defaults(), p);
        assertTrue(r.trace().nfe() <= budget, method + " " + e + " spent " + r.trace().nfe() + " of " + budget);
        assertEquals(model.nfe(), r.trace().nfe(), "trace and model counters agree");
        assertTrue(r.found());
        return r;
    }

    @Test
    void rbfSchnellLikeSpends498Of500AtTheStepItServes() {
        Recording model = new Recording();
        SearchResult r = run("rbf", model, "vp-sde", Estimate.AUTO, 500);
        assertEquals(498, r.trace().nfe());
        assertEquals("schnell", r.trace().parameters().get("estimate"));
        Sampler vp = Sampler.named("vp-sde");
        double[] grid = vp.grid();
        Set<Double> steps = new HashSet<>();
        for (int j = 0; j < grid.length - 1; j++) steps.add(vp.stepSize(grid[j], grid[j + 1]));
        for (double[] call : model.d) for (double d : call) assertTrue(steps.contains(d), "step size " + d + " is no grid step");
        assertEquals(50, model.d.get(0).length, "25 initial noises per chain in one call");
        for (double d : model.d.get(0)) assertEquals(vp.stepSize(1.0, grid[1]), d);
        // candidates at the last level are asked for the whole remaining time: the one-step jump d = t
        double jump = vp.stepSize(grid[grid.length - 2], 0.0);
        assertEquals(vp.modelTime(grid[grid.length - 2]), jump);
        long atJump = 0;
        for (int c = 0; c < model.d.size(); c++) {
            for (int i = 0; i < model.d.get(c).length; i++) {
                if (model.d.get(c)[i] == jump) {
                    atJump++;
                    assertEquals(model.t.get(c)[i], jump, 1e-12, "the jump is asked at its own time");
                }
            }
        }
        assertTrue(atJump >= 48, "the last level absorbs at least 48 candidates per chain; asked " + atJump);
    }

    @Test
    void rbfFaithfulPaysTheVelocityAndTheJumpForEveryCandidate() {
        Recording model = new Recording();
        SearchResult r = run("rbf", model, "vp-sde", Estimate.FAITHFUL, 500);
        assertEquals(496, r.trace().nfe(), "250 candidates of 2 latents: 50 initial, then 2 per iteration while 248 + 2 < 250 fails");
        assertEquals(10, r.trace().parameters().get("quota"), "(250 - 50) / (10 * 2)");
        assertEquals("faithful", r.trace().parameters().get("estimate"));
        for (int c = 0; c < model.d.size(); c++) {
            double[] d = model.d.get(c), t = model.t.get(c);
            int n = d.length / 2;
            assertEquals(2 * n, d.length);
            for (int i = 0; i < n; i++) {
                assertEquals(0.0, d[i], "the step's velocity");
                assertEquals(t[n + i], d[n + i], "the jump from the same particle's time");
                assertEquals(t[i], t[n + i]);
            }
        }
    }

    @Test
    void everyMethodSpendsExactlyItsPlanInBothAccountings() {
        // method, sampler, budget, schnell-like NFE, faithful NFE (0: refused at this budget)
        Object[][] cases = {
            {"none", "vp-sde", 500L, 10L, 11L},
            {"bon", "vp-sde", 500L, 500L, 495L},      // faithful: 45 trajectories of 10 + 1
            {"bon", "ode", 500L, 500L, 495L},
            {"smc", "vp-sde", 500L, 500L, 500L},      // faithful: 25 particles x 10 rewarded steps x 2
            {"code", "vp-sde", 500L, 500L, 0L},       // faithful: 2 x 25 x (10 + 5 block ends) = 750
            {"code", "vp-sde", 750L, 500L, 750L},
            {"svdd", "vp-sde", 1000L, 500L, 1000L},   // faithful: 2 x 25 x (10 + 10)
            {"sop", "vp-sde", 500L, 168L, 210L},      // faithful: 2 x (4 + 1) + 4 rounds x 2 x 5 x (4 + 1)
            {"rbf", "ode", 500L, 498L, 496L},
        };
        for (Object[] c : cases) {
            String method = (String) c[0], sampler = (String) c[1];
            long budget = (Long) c[2];
            assertEquals((long) (Long) c[3], run(method, new Recording(), sampler, Estimate.SCHNELL, budget).trace().nfe(),
                    method + " schnell");
            long faithful = (Long) c[4];
            if (faithful == 0) {
                Recording model = new Recording();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> run(method, model, sampler, Estimate.FAITHFUL, budget));
                assertTrue(e.getMessage().contains("needs a budget of at least 750"), e.getMessage());
                assertEquals(0, model.nfe(), "a refused plan spends nothing");
            } else {
                assertEquals(faithful, run(method, new Recording(), sampler, Estimate.FAITHFUL, budget).trace().nfe(), method + " faithful");
            }
        }
    }

    @Test
    void theReturnedImageIsTheOneStepJump() {
        // one step of the ODE from pure noise: x - 1 * s(x, 1, d = 1), the shortcut model's one-step sample
        Recording model = new Recording();
        Sampler one = Sampler.named("ode").withSteps(1);
        SearchResult r = Toy.run("none", SearchConfig.defaults(), new SearchProblem(model, one.withEstimate(Estimate.SCHNELL), MEAN, 1, 7));
        float[] x = new float[dit.dim()], s = new float[dit.dim()], want = new float[dit.dim()];
        new NoiseStreams(7, 0).normal(NoiseStreams.Purpose.INITIAL, 0, 0, 0, x);
        dit.velocity(1, new float[][] {x}, new double[] {1.0}, new double[] {1.0}, new Condition[] {Condition.NONE}, new float[][] {s});
        one.tweedie(x, s, 1.0, want);
        assertArrayEquals(want, r.best());

        // faithful, two ODE steps: the d = 0 velocity moves the noise to t = 1/2, the jump from there is the image
        Sampler two = Sampler.named("ode").withSteps(2).withEstimate(Estimate.FAITHFUL);
        Recording counted = new Recording();
        SearchResult f = Toy.run("none", SearchConfig.defaults(), new SearchProblem(counted, two, MEAN, 3, 7));
        assertEquals(3, f.trace().nfe());
        float[] u = new float[dit.dim()], half = new float[dit.dim()], jump = new float[dit.dim()];
        dit.velocity(1, new float[][] {x}, new double[] {1.0}, new double[] {0.0}, new Condition[] {Condition.NONE}, new float[][] {u});
        two.step(x, u, 1.0, 0.5, null, half);
        dit.velocity(1, new float[][] {half}, new double[] {0.5}, new double[] {0.5}, new Condition[] {Condition.NONE}, new float[][] {jump});
        two.tweedie(half, jump, 0.5, want);
        assertArrayEquals(want, f.best());
    }

    @Test
    void aModelWithoutAOneStepEstimateKeepsTweedie() {
        GaussianMixtureModel m = Toy.gmm();
        SearchResult r = Toy.run("rbf", SearchConfig.defaults(), Toy.problem(m, "vp-sde", Toy.modeReward(m), 500, 1));
        assertEquals(498, r.trace().nfe());
        assertFalse(r.trace().parameters().containsKey("estimate"), "today's traces are unchanged");
        for (Estimate e : new Estimate[] {Estimate.SCHNELL, Estimate.FAITHFUL}) {
            SearchProblem p = new SearchProblem(m, Sampler.named("vp-sde").withEstimate(e), Toy.modeReward(m), 500, 1);
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Toy.run("rbf", SearchConfig.defaults(), p));
            assertTrue(ex.getMessage().contains("one-step estimate"), ex.getMessage());
        }
        assertEquals(Estimate.TWEEDIE, Estimate.AUTO.resolve(m));
        assertEquals(Estimate.SCHNELL, Estimate.AUTO.resolve(dit));
        assertThrows(IllegalArgumentException.class, () -> Estimate.parse("jump"));
    }
}
