package flowscale.runtime.search;

import flowscale.runtime.flow.Diffusion;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.GaussianMixtureModel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** method.md §8 invariants 15–17: equivalences between methods and NFE counters. */
class SearchInvariantsTest {

    private static void assertSameResult(SearchResult a, SearchResult b) {
        assertArrayEquals(a.best(), b.best());
        assertEquals(a.bestReward(), b.bestReward(), 0.0);
        assertEquals(a.finalCandidates().size(), b.finalCandidates().size());
        for (int i = 0; i < a.finalCandidates().size(); i++) {
            assertArrayEquals(a.finalCandidates().get(i).x0(), b.finalCandidates().get(i).x0());
        }
    }

    @Test
    void bonWithOneParticleReturnsExactlyTheSingleTrajectory() {
        for (String sampler : new String[] {"ode", "vp-sde"}) {
            SearchResult bon = Toy.run("bon", SearchConfig.defaults().with("n", 1), Toy.problem(sampler, 500, 11));
            SearchResult plain = Toy.run("none", SearchConfig.defaults(), Toy.problem(sampler, 500, 11));
            assertSameResult(bon, plain);
            assertEquals(10, bon.trace().nfe());
        }
    }

    @Test
    void svddWithOneProposalEqualsPlainSdeSampling() {
        SearchResult svdd = Toy.run("svdd", SearchConfig.defaults().with("n", 3).with("k", 1), Toy.problem("vp-sde", 500, 5));
        SearchResult plain = Toy.run("none", SearchConfig.defaults().with("n", 3), Toy.problem("vp-sde", 500, 5));
        assertSameResult(svdd, plain);
    }

    @Test
    void codeWithBlockLengthOneEqualsSvdd() {
        SearchConfig cfg = SearchConfig.defaults().with("n", 2).with("k", 7);
        SearchResult code = Toy.run("code", cfg.with("l", 1), Toy.problem("vp-sde", 500, 9));
        SearchResult svdd = Toy.run("svdd", cfg, Toy.problem("vp-sde", 500, 9));
        assertSameResult(code, svdd);
        SearchResult code2 = Toy.run("code", cfg, Toy.problem("vp-sde", 500, 9));
        assertNotEquals(code2.bestReward(), svdd.bestReward(), "L = 2 should search differently from L = 1");
    }

    @Test
    void zeroDiffusionMakesAllProposalsOfAParticleIdentical() {
        GaussianMixtureModel m = Toy.gmm();
        Sampler noNoise = Sampler.named("vp-sde").withDiffusion(Diffusion.NONE);
        SearchProblem p = new SearchProblem(m, noNoise, Toy.modeReward(m), 500, 4);
        SearchResult r = Toy.run("svdd", SearchConfig.defaults(), p);
        int checked = 0;
        for (LevelRecord l : r.trace().levels()) {
            if (l.level() == 0) continue; // the K initial noises differ; every later proposal is deterministic
            double[] rs = l.rewards();
            for (double v : rs) assertEquals(rs[0], v, 0.0);
            checked++;
        }
        assertEquals(2 * 9, checked);
    }

    @Test
    void nfeCountersMatchTheMethodsFormulas() {
        GaussianMixtureModel m = Toy.gmm();
        // BoN = N·M
        SearchResult bon = Toy.run("bon", SearchConfig.defaults(), Toy.problem(m, "ode", Toy.modeReward(m), 500, 1));
        assertEquals(500, bon.trace().nfe());
        assertEquals(50, bon.trace().rewardCalls(), "rewards are counted apart from NFE");
        SearchResult bon7 = Toy.run("bon", SearchConfig.defaults().with("n", 7), Toy.problem("ode", 500, 1));
        assertEquals(70, bon7.trace().nfe());
        // SVDD and CoDe = N·K·M
        assertEquals(500, Toy.run("svdd", SearchConfig.defaults(), Toy.problem("vp-sde", 500, 1)).trace().nfe());
        assertEquals(500, Toy.run("code", SearchConfig.defaults(), Toy.problem("vp-sde", 500, 1)).trace().nfe());
        assertEquals(3 * 4 * 10, Toy.run("code", SearchConfig.defaults().with("n", 3).with("k", 4), Toy.problem("vp-sde", 500, 1)).trace().nfe());
        // SMC = N·M
        assertEquals(500, Toy.run("smc", SearchConfig.defaults(), Toy.problem("vp-sde", 500, 1)).trace().nfe());
        assertEquals(60, Toy.run("smc", SearchConfig.defaults().with("n", 6), Toy.problem("vp-sde", 500, 1)).trace().nfe());
        // SoP with the code's defaults: 2·4 + 4 rounds · 2·5·4
        SearchResult sop = Toy.run("sop", SearchConfig.defaults(), Toy.problem("vp-sde", 500, 1));
        assertEquals(168, sop.trace().nfe());
        // the model's own counter agrees with the trace
        m.resetNfe();
        SearchResult svdd = Toy.run("svdd", SearchConfig.defaults(), Toy.problem(m, "vp-sde", Toy.modeReward(m), 500, 2));
        assertEquals(m.nfe(), svdd.trace().nfe());
        assertEquals(500, svdd.trace().rewardCalls());
    }

    @Test
    void searchOverPathsRoundsEndAt90_60_30_0() {
        SearchResult sop = Toy.run("sop", SearchConfig.defaults(), Toy.problem("ode", 500, 1));
        long rounds = sop.trace().levels().stream().mapToInt(LevelRecord::level).distinct().count();
        assertEquals(4, rounds);
        for (LevelRecord l : sop.trace().levels()) {
            assertEquals(5, l.candidates());
            assertTrue(l.s() > 0, "never evaluated at s = 0");
        }
    }
}
