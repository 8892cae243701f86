package flowscale.runtime.search;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.DiT;
import flowscale.runtime.model.GaussianMixtureModel;
import flowscale.runtime.reward.Reward;
import flowscale.runtime.reward.Rewards;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rollover Budget Forcing with {@code speculate=K}: K candidates per chain evaluated ahead in one call, the lock-step
 * iterations replayed over them. Its result, trace levels, NFE and reward calls equal those of {@code speculate=1}
 * (issue 21 item 3), so the budget bounds them as it does without speculation; what was evaluated and not used is
 * extra compute, recorded apart.
 */
class SpeculativeRbfTest {

    private static SearchResult rbf(SearchProblem problem, int speculate) {
        return Toy.run("rbf", SearchConfig.parse(List.of("speculate=" + speculate)), problem);
    }

    /** A pure reward with many ties and frequent improvements: a few bits of the estimate's first coordinate. */
    private static Reward bits() {
        return Toy.reward("bits", x -> (Float.floatToRawIntBits(x[0]) >>> 7) & 7);
    }

    private static void assertSameSearch(SearchResult want, SearchResult got, String what) {
        Trace a = want.trace(), b = got.trace();
        assertEquals(a.nfe(), b.nfe(), what + ": nfe");
        assertEquals(a.rewardCalls(), b.rewardCalls(), what + ": reward calls");
        assertEquals(a.nonFinite(), b.nonFinite(), what + ": non-finite");
        assertEquals(a.levels().size(), b.levels().size(), what + ": decisions");
        for (int i = 0; i < a.levels().size(); i++) {
            LevelRecord x = a.levels().get(i), y = b.levels().get(i);
            String at = what + ", decision " + i;
            assertEquals(x.level(), y.level(), at);
            assertEquals(x.chain(), y.chain(), at);
            assertEquals(x.accepted(), y.accepted(), at);
            assertEquals(x.reason(), y.reason(), at);
            assertEquals(x.nfe(), y.nfe(), at + ": nfe stamp");
            assertEquals(x.rewardCalls(), y.rewardCalls(), at + ": reward-call stamp");
            assertArrayEquals(x.rewards(), y.rewards(), at + ": rewards");
        }
        assertEquals(want.bestReward(), got.bestReward(), what + ": best reward");
        assertArrayEquals(want.best(), got.best(), what + ": best sample");
        assertEquals(want.finalCandidates().size(), got.finalCandidates().size(), what + ": finals");
        for (int i = 0; i < want.finalCandidates().size(); i++) {
            assertArrayEquals(want.finalCandidates().get(i).x0(), got.finalCandidates().get(i).x0(), what + ": final " + i);
        }
        assertEquals(a.parameters().get("finalChain"), b.parameters().get("finalChain"), what + ": final chain");
    }

    @Test
    void speculationChangesNeitherTheResultNorTheAccounting() {
        GaussianMixtureModel gmm = Toy.gmm();
        List<Reward> rewards = List.of(Toy.modeReward(gmm), bits(), Toy.reward("constant", x -> 0.0));
        boolean anyExtra = false;
        for (String sampler : List.of("vp-sde", "ode")) {
            for (Reward reward : rewards) {
                for (long budget : new long[] {500, 137, 71}) {
                    SearchResult one = rbf(Toy.problem(Toy.gmm(), sampler, reward, budget, 5), 1);
                    assertFalse(one.trace().parameters().containsKey("speculativeNfe"), "no speculation, nothing recorded");
                    for (int k : new int[] {2, 3, 8, 64}) {
                        GaussianMixtureModel model = Toy.gmm();
                        SearchResult spec = rbf(Toy.problem(model, sampler, reward, budget, 5), k);
                        String what = sampler + " " + reward.name() + " budget " + budget + " speculate " + k;
                        assertSameSearch(one, spec, what);
                        long extra = ((Number) spec.trace().parameters().getOrDefault("speculativeNfe", 0L)).longValue();
                        assertEquals(spec.trace().nfe() + extra, model.nfe(), what + ": every evaluation is accounted for");
                        assertTrue(spec.trace().nfe() <= budget, what + ": " + spec.trace().nfe() + " NFE for a budget of " + budget);
                        anyExtra |= extra > 0;
                    }
                }
            }
        }
        assertTrue(anyExtra, "some speculation went unused");
    }

    /** The DiT with its particles on the cpu device: the same bits with and without speculation. */
    @Test
    void onTheDevicePathTheResultIsBitIdentical() {
        try (Backend cpu = Backends.create("cpu");
             DiT model = DiT.fromWeights(MultiDeviceSearchTest.CONFIG, MultiDeviceSearchTest.WEIGHTS, cpu, 1.0, 64)) {
            assertNotNull(model.device());
            for (String sampler : List.of("vp-sde", "ode")) {
                SearchProblem problem = new SearchProblem(model, Sampler.named(sampler).withSteps(4), Rewards.named("counting"),
                        MultiDeviceSearchTest.PROMPT, 160, 9, 0, SearchListener.NONE);
                SearchResult one = rbf(problem, 1);
                SearchResult four = rbf(problem, 4);
                assertSameSearch(one, four, "dit " + sampler);
                assertTrue(Arrays.equals(one.best(), four.best()), "dit " + sampler + ": best");
            }
        }
    }

    @Test
    void thePaperVariantRefusesSpeculation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Toy.run("rbf",
                SearchConfig.parse(List.of("variant=paper", "speculate=2")), Toy.problem("vp-sde", 500, 1)));
        assertTrue(e.getMessage().contains("variant=code"), e.getMessage());
    }
}
