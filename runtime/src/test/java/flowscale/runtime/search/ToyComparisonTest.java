package flowscale.runtime.search;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Paired comparisons on the toy GMM (reward: −distance to the rarest mode), 200 seeds at 500 NFE, 95 % CI of
 * the paired difference. What holds here: SVDD under vp-sde beats BoN under ode; RBF beats BoN under ode with
 * linear-sde; RBF under vp-sde beats BoN under vp-sde. What does not (see bench/RESULTS.md): RBF under vp-sde vs
 * BoN under ode — on this toy the Tweedie estimate sharpens steadily with time, so the code's acceptance test
 * against r* (set at s = 1) is passed by the first candidate on nearly every early level.
 */
class ToyComparisonTest {
    private static final int SEEDS = 200;
    private static final long BUDGET = 500;
    private static double[] bonOde;

    @BeforeAll
    static void baseline() {
        bonOde = ToyComparison.run("bon", SearchConfig.defaults(), "ode", SEEDS, BUDGET).rewards();
    }

    private static PairedStatistics versus(double[] base, String method, String sampler) {
        double[] r = ToyComparison.run(method, SearchConfig.defaults(), sampler, SEEDS, BUDGET).rewards();
        return PairedStatistics.of(PairedStatistics.differences(r, base));
    }

    @Test
    void svddUnderVpSdeBeatsBestOfNUnderOde() {
        PairedStatistics d = versus(bonOde, "svdd", "vp-sde");
        assertTrue(d.lower() > 0, "SVDD(vp-sde) − BoN(ode) = " + d);
    }

    @Test
    void rbfUnderLinearSdeBeatsBestOfNUnderOde() {
        PairedStatistics d = versus(bonOde, "rbf", "linear-sde");
        assertTrue(d.lower() > 0, "RBF(linear-sde) − BoN(ode) = " + d);
    }

    @Test
    void rbfUnderVpSdeBeatsBestOfNUnderVpSde() {
        double[] bonVp = ToyComparison.run("bon", SearchConfig.defaults(), "vp-sde", SEEDS, BUDGET).rewards();
        PairedStatistics d = versus(bonVp, "rbf", "vp-sde");
        assertTrue(d.lower() > 0, "RBF(vp-sde) − BoN(vp-sde) = " + d);
    }

    @Test
    void pairedConfidenceIntervalMatchesAHandComputedCase() {
        PairedStatistics s = PairedStatistics.of(new double[] {1, 2, 3, 4});
        // mean 2.5, sd 1.2910, t(0.975, 3) = 3.182446
        assertTrue(Math.abs(s.mean() - 2.5) < 1e-12);
        assertTrue(Math.abs(s.halfWidth95() - 3.182446 * 1.2909944 / 2) < 1e-5, s.toString());
    }
}
