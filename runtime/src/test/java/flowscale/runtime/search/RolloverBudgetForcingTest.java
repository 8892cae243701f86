package flowscale.runtime.search;

import flowscale.runtime.model.GaussianMixtureModel;
import flowscale.runtime.reward.TargetModeReward;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** method.md §8 invariants 19–23 for the code-faithful RBF, plus the paper variant's budget. */
class RolloverBudgetForcingTest {
    private static final SearchConfig DEFAULTS = SearchConfig.defaults();

    private static SearchResult rbf(flowscale.runtime.reward.Reward reward, long budget) {
        GaussianMixtureModel m = Toy.gmm();
        return Toy.run("rbf", DEFAULTS, Toy.problem(m, "vp-sde", reward, budget, 7));
    }

    @Test
    void rbfWithDefaultsSpendsExactly498NfeAnd224CandidatesPerChain() {
        GaussianMixtureModel m = Toy.gmm();
        SearchResult r = rbf(Toy.modeReward(m), 500);
        assertEquals(498, r.trace().nfe());
        for (int chain = 0; chain < 2; chain++) {
            assertEquals(224, Arrays.stream(Toy.candidatesPerLevel(r.trace(), chain, 9)).sum(), "chain " + chain);
        }
        assertEquals(22, r.trace().parameters().get("quota"));
    }

    @Test
    void rbfNeverImprovingRewardGives22PerLevelAnd48OnTheLast() {
        SearchResult r = rbf(Toy.reward("constant", x -> 0.0), 500);
        int[] expected = {22, 22, 22, 22, 22, 22, 22, 22, 48};
        for (int chain = 0; chain < 2; chain++) {
            assertArrayEquals(expected, Toy.candidatesPerLevel(r.trace(), chain, 9), "chain " + chain);
        }
    }

    @Test
    void rbfTiesNeverAccept() {
        SearchResult r = rbf(Toy.reward("constant", x -> 1.5), 500);
        for (LevelRecord l : r.trace().levels()) {
            assertTrue(l.reason() != LevelRecord.Reason.IMPROVED, "a tie was accepted at level " + l.level());
        }
    }

    @Test
    void rbfAlwaysImprovingRewardTakesOneCandidatePerLevelAnd216OnTheLast() {
        SearchResult r = rbf(Toy.alwaysImproving(), 500);
        int[] expected = {1, 1, 1, 1, 1, 1, 1, 1, 216};
        for (int chain = 0; chain < 2; chain++) {
            assertArrayEquals(expected, Toy.candidatesPerLevel(r.trace(), chain, 9), "chain " + chain);
        }
        assertEquals(498, r.trace().nfe());
    }

    @Test
    void rbfRolloverGivesTheNextLevel22PlusUnusedQuota() {
        // batch 0 is the initial pre-selection (all 0); batch k >= 1 is iteration k: chain 0 improves only at
        // its 5th candidate of level 0, nothing else ever improves.
        SearchResult r = rbf(Toy.scripted((batch, i) -> batch == 5 && i == 0 ? 1.0 : 0.0), 500);
        int[] c0 = Toy.candidatesPerLevel(r.trace(), 0, 9);
        assertEquals(5, c0[0]);
        assertEquals(22 + (22 - 5), c0[1], "rollover: 22 + (q - j)");
        assertEquals(22, c0[2], "after a fallback the quota is back to 22");
        LevelRecord first = r.trace().levels().stream().filter(l -> l.chain() == 0 && l.level() == 0
                && l.reason() != LevelRecord.Reason.INITIAL_BEST).findFirst().orElseThrow();
        assertEquals(LevelRecord.Reason.IMPROVED, first.reason());
        assertEquals(4, first.accepted());
        LevelRecord second = r.trace().levels().stream().filter(l -> l.chain() == 0 && l.level() == 1).findFirst().orElseThrow();
        assertEquals(LevelRecord.Reason.QUOTA_EXHAUSTED, second.reason());
    }

    @Test
    void rbfFallbackPicksTheFirstMaximumOfTheLevel() {
        // initial reward 1.0 for everything; level-0 candidates of chain 0 score 0.5, 0.9, 0.9, 0.2, ... (< r*)
        double[] level0 = {0.5, 0.9, 0.9, 0.2};
        SearchResult r = rbf(Toy.scripted((batch, i) -> batch == 0 ? 1.0
                : i == 0 && batch <= level0.length ? level0[batch - 1] : 0.0), 500);
        LevelRecord l0 = r.trace().levels().stream().filter(l -> l.chain() == 0 && l.level() == 0
                && l.reason() != LevelRecord.Reason.INITIAL_BEST).findFirst().orElseThrow();
        assertEquals(LevelRecord.Reason.QUOTA_EXHAUSTED, l0.reason());
        assertEquals(1, l0.accepted());
    }

    @Test
    void rbfBestRewardIsNonDecreasingAndEveryAcceptanceIsStrictlyBetter() {
        GaussianMixtureModel m = Toy.gmm();
        for (long seed = 0; seed < 10; seed++) {
            SearchResult r = Toy.run("rbf", DEFAULTS, Toy.problem(m, "vp-sde", Toy.modeReward(m), 500, seed));
            for (int chain = 0; chain < 2; chain++) {
                double rStar = Double.NEGATIVE_INFINITY;
                for (LevelRecord l : r.trace().levels()) {
                    if (l.chain() != chain) continue;
                    double[] rs = l.rewards();
                    if (l.reason() == LevelRecord.Reason.INITIAL_BEST) {
                        rStar = rs[l.accepted()];
                    } else if (l.reason() == LevelRecord.Reason.IMPROVED) {
                        for (int j = 0; j < l.accepted(); j++) assertTrue(rs[j] <= rStar, "an earlier candidate beat r*");
                        assertTrue(rs[l.accepted()] > rStar, "acceptance not strictly better");
                        rStar = rs[l.accepted()];
                    } else {
                        for (double v : rs) if (l.level() < 8) assertTrue(v <= rStar, "a better candidate was not accepted");
                    }
                }
            }
        }
    }

    @Test
    void rbfOutputIsATweedieEstimateAtTheLastNonZeroGridTime() {
        GaussianMixtureModel m = Toy.gmm();
        TargetModeReward reward = Toy.modeReward(m);
        SearchResult r = Toy.run("rbf", DEFAULTS, Toy.problem(m, "vp-sde", reward, 500, 3));
        double s9 = flowscale.runtime.flow.Sampler.named("vp-sde").grid()[9];
        List<Double> finals = new ArrayList<>();
        for (LevelRecord l : r.trace().levels()) {
            if (l.reason() == LevelRecord.Reason.FINAL) {
                assertEquals(8, l.level());
                assertEquals(s9, l.s(), 0.0);
                finals.add(l.rewards()[l.accepted()]);
            }
        }
        assertEquals(2, finals.size(), "both chains reach the last level");
        assertEquals(Math.max(finals.get(0), finals.get(1)), r.bestReward(), 0.0);
        double[] check = new double[1];
        reward.score(1, new float[][] {r.best()}, null, check);
        assertEquals(r.bestReward(), check[0], 0.0);
        assertEquals(0.43589, s9, 1e-5);
    }

    @Test
    void rbfPaperVariantStaysWithinBudgetAndEndsAtTheLastNonZeroTime() {
        GaussianMixtureModel m = Toy.gmm();
        SearchResult r = Toy.run("rbf", SearchConfig.defaults().with("variant", "paper"),
                Toy.problem(m, "vp-sde", Toy.reward("constant", x -> 0.0), 500, 1));
        // never improving: every chain spends the uniform quota floor(498/18) = 27 on each of its 9 levels
        assertEquals(2 + 2 * 9 * 27, r.trace().nfe());
        for (int chain = 0; chain < 2; chain++) {
            int[] c = Toy.candidatesPerLevel(r.trace(), chain, 9);
            for (int v : c) assertEquals(27, v);
        }
    }

    @Test
    void rbfRepeatsALevelWithoutFiniteCandidatesAndFallsBackToTheHeldParticle() {
        // the initial pre-selection is finite (batch 0), every later candidate's reward is NaN
        SearchResult r = rbf(Toy.scripted((batch, i) -> batch == 0 ? -i : Double.NaN), 500);
        assertEquals(498, r.trace().nfe());
        assertTrue(r.found(), "the guard must return the held particle");
        assertEquals(0.0, r.bestReward(), 0.0, "chain 0's best initial candidate scored 0");
        long repeated = r.trace().levels().stream().filter(l -> l.reason() == LevelRecord.Reason.LEVEL_REPEATED).count();
        assertTrue(repeated > 0);
        for (LevelRecord l : r.trace().levels()) {
            if (l.reason() != LevelRecord.Reason.INITIAL_BEST) assertEquals(0, l.level(), "no level advanced without a finite candidate");
        }
        assertEquals(448, r.trace().nonFinite());
    }

    @Test
    void rbfPaperVariantWithAlwaysImprovingRewardStopsAfterOneCandidatePerLevel() {
        GaussianMixtureModel m = Toy.gmm();
        SearchResult r = Toy.run("rbf", SearchConfig.defaults().with("variant", "paper"),
                Toy.problem(m, "vp-sde", Toy.alwaysImproving(), 500, 1));
        assertEquals(2 + 2 * 9, r.trace().nfe(), "Alg. 2 ends each chain at s_{M-1}; unused rollover is not spent");
        for (int chain = 0; chain < 2; chain++) {
            for (int v : Toy.candidatesPerLevel(r.trace(), chain, 9)) assertEquals(1, v);
        }
    }
}
