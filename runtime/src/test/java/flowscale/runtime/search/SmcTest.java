package flowscale.runtime.search;

import flowscale.kernels.Philox;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** method.md §8 invariant 18: SMC weights, ESS and multinomial resampling. */
class SmcTest {

    @Test
    void essLiesBetweenOneAndNAndResamplingResetsAllWeightsToOne() {
        SmcWeights w = new SmcWeights(5, 0.5);
        w.start(new double[] {0.1, 2.0, -1.0, 0.7, 0.0});
        double ess = w.ess();
        assertTrue(ess >= 1 && ess <= 5, "ESS " + ess);
        w.resample(new double[] {0.1, 0.3, 0.5, 0.7, 0.9});
        for (int i = 0; i < 5; i++) assertEquals(1.0, w.relativeWeight(i), 0.0);
        assertEquals(5.0, w.ess(), 0.0);
        w.update(new double[] {0, 0, 0, 0, 0}, new double[] {50, 0, 0, 0, 0});
        assertEquals(1.0, w.ess(), 1e-12, "one dominating particle gives ESS 1");
    }

    @Test
    void deadParticlesAreNeverDrawnAsAncestors() {
        SmcWeights w = new SmcWeights(4, 1.0);
        w.start(new double[] {Double.NEGATIVE_INFINITY, 0.0, Double.NEGATIVE_INFINITY, 1.0});
        int[] a = w.resample(new double[] {1e-9, 0.25, 0.5, 0.999999999});
        for (int v : a) assertTrue(v == 1 || v == 3, "drew a dead particle " + v);
    }

    @Test
    void ancestorFrequenciesMatchTheNormalisedWeightsChiSquare() {
        double[] weights = {0.05, 0.30, 0.10, 0.25, 0.20, 0.10};
        int draws = 60000;
        double[] u = new double[draws];
        for (int i = 0; i < draws; i++) u[i] = Philox.uniform(99L, 1, 2, 3, i);
        int[] a = SmcWeights.ancestors(weights, u);
        long[] observed = new long[weights.length];
        for (int v : a) observed[v]++;
        double[] expected = new double[weights.length];
        for (int i = 0; i < weights.length; i++) expected[i] = weights[i] * draws;
        double pValue = new ChiSquareTest().chiSquareTest(expected, observed);
        assertTrue(pValue > 0.001, "chi-square p = " + pValue);
    }

    @Test
    void smcResamplesExactlyWhenEssFallsBelowTheThreshold() {
        for (double threshold : new double[] {1.0, 0.5, 0.0}) {
            SearchResult r = Toy.run("smc", SearchConfig.defaults().with("n", 20).with("ess-threshold", threshold).with("lambda", 0.5),
                    Toy.problem("vp-sde", 500, 3));
            int resampled = 0;
            for (LevelRecord l : r.trace().levels()) {
                assertTrue(l.ess() >= 1 && l.ess() <= 20 + 1e-9, "ESS " + l.ess());
                if (l.level() == r.trace().steps() - 1) continue; // no resampling after the last evaluation
                boolean below = l.ess() < threshold * 20;
                assertEquals(below, l.reason() == LevelRecord.Reason.RESAMPLED, "level " + l.level() + " ess " + l.ess());
                if (below) {
                    resampled++;
                    assertEquals(20, l.ancestors().length);
                }
            }
            if (threshold == 1.0) assertTrue(resampled > 0, "threshold 1.0 resamples whenever weights differ");
            if (threshold == 0.0) assertEquals(0, resampled);
        }
    }

    @Test
    void smcResamplesBeforeTheFirstStep() {
        SearchResult r = Toy.run("smc", SearchConfig.defaults(), Toy.problem("vp-sde", 500, 8));
        LevelRecord first = r.trace().levels().get(0);
        assertEquals(0, first.level());
        assertEquals(LevelRecord.Reason.RESAMPLED, first.reason());
    }
}
