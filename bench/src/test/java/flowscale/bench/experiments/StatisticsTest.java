package flowscale.bench.experiments;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The statistical routines of the experiment tables against published worked examples; each expected value is the
 * published number (rounded as published, hence the tolerance of half a unit in its last digit).
 */
class StatisticsTest {
    /** Half a unit in the 4th decimal: the published values have four. */
    private static final double FOUR_DP = 0.5e-4;

    private static void assertInterval(double lo, double hi, Proportion.Interval got, double tol, String what) {
        assertEquals(lo, got.lower(), tol, what + " lower");
        assertEquals(hi, got.upper(), tol, what + " upper");
    }

    /**
     * Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of seven methods",
     * Stat. Med. 17:857–872, Table II, methods 3 (Wilson score) and 5 (Clopper–Pearson exact) for 81/263, 15/148,
     * 0/20 and 1/29.
     */
    @Test
    void singleProportionIntervalsMatchNewcombe1998TableII() {
        assertInterval(0.2553, 0.3662, new Proportion(81, 263).wilson(0.95), FOUR_DP, "Wilson 81/263");
        assertInterval(0.0624, 0.1605, new Proportion(15, 148).wilson(0.95), FOUR_DP, "Wilson 15/148");
        assertInterval(0.0000, 0.1611, new Proportion(0, 20).wilson(0.95), FOUR_DP, "Wilson 0/20");
        assertInterval(0.0061, 0.1718, new Proportion(1, 29).wilson(0.95), FOUR_DP, "Wilson 1/29");
        assertInterval(0.2527, 0.3676, new Proportion(81, 263).clopperPearson(0.95), FOUR_DP, "CP 81/263");
        assertInterval(0.0578, 0.1617, new Proportion(15, 148).clopperPearson(0.95), FOUR_DP, "CP 15/148");
        assertInterval(0.0000, 0.1684, new Proportion(0, 20).clopperPearson(0.95), FOUR_DP, "CP 0/20");
        assertInterval(0.0009, 0.1776, new Proportion(1, 29).clopperPearson(0.95), FOUR_DP, "CP 1/29");
    }

    /**
     * Fagerland, Lydersen and Laake (2017), Statistical Analysis of Contingency Tables, Ch. 2: 13 of 16 (Ligarden et
     * al. 2010): Wilson 0.5699 to 0.9341, Clopper–Pearson 0.5435 to 0.9595; Clopper–Pearson for 10/10 and 0/10:
     * 0.6915 to 1 and 0 to 0.3085 (as transcribed in the authors' R package contingencytables, tests ch2 and ch8).
     */
    @Test
    void singleProportionIntervalsMatchFagerlandEtAl2017() {
        assertInterval(0.5699, 0.9341, new Proportion(13, 16).wilson(0.95), FOUR_DP, "Wilson 13/16");
        assertInterval(0.5435, 0.9595, new Proportion(13, 16).clopperPearson(0.95), FOUR_DP, "CP 13/16");
        assertInterval(0.6915, 1.0, new Proportion(10, 10).clopperPearson(0.95), FOUR_DP, "CP 10/10");
        assertInterval(0.0, 0.3085, new Proportion(0, 10).clopperPearson(0.95), FOUR_DP, "CP 0/10");
        Proportion.Interval all = new Proportion(10, 10).wilson(0.95);
        assertEquals(1.0, all.upper(), 0.0);
        assertTrue(all.lower() > 0.6 && all.lower() < 0.75);
        assertEquals(new Proportion(3, 4), Proportion.of(new double[] {1, 0, 1, 1}));
        assertThrows(IllegalArgumentException.class, () -> Proportion.of(new double[] {0.5}));
        assertEquals("0.8125 [0.5699, 0.9341]", new Proportion(13, 16).formatWilson(4));
    }

    /**
     * Fagerland, Lydersen and Laake (2013), "The McNemar test for binary matched-pairs data: mid-p and asymptotic are
     * better than exact conditional", BMC Med. Res. Methodol. 13:91, and the 2017 book, Ch. 8: complete response before
     * and after consolidation therapy (Cavo et al. 2012), table (59, 6; 16, 80): exact conditional McNemar P = 0.052479,
     * Newcombe's square-and-add interval for the difference −0.0621 (−0.1186 to −0.0046). Airway hyper-responsiveness
     * (Bentur et al. 2009), table (1, 1; 7, 12): exact conditional P = 0.070.
     */
    @Test
    void pairedProportionsMatchFagerlandEtAlsCavoAndBenturExamples() {
        PairedProportions cavo = new PairedProportions(59, 6, 16, 80);
        assertEquals(161, cavo.n());
        assertEquals(0.052479, cavo.mcnemarExactP(), 0.5e-6);
        assertEquals(-0.0621, cavo.difference(), FOUR_DP);
        assertInterval(-0.1186, -0.0046, cavo.newcombe(0.95), FOUR_DP, "Newcombe Cavo");
        PairedProportions bentur = new PairedProportions(1, 1, 7, 12);
        assertEquals(0.070, bentur.mcnemarExactP(), 0.5e-3);
        assertEquals(9.0 / 128, bentur.mcnemarExactP(), 1e-15, "2·(1 + 8)/2^8 by hand");
        // the roles of a and b swapped: the same p, the interval mirrored
        PairedProportions swapped = new PairedProportions(59, 16, 6, 80);
        assertEquals(cavo.mcnemarExactP(), swapped.mcnemarExactP(), 1e-15);
        assertInterval(0.0046, 0.1186, swapped.newcombe(0.95), FOUR_DP, "Newcombe Cavo mirrored");
        // (1, 0; 0, 1): no discordant pair, p = 1, Newcombe −0.5734 to 0.5734 (contingencytables test ch8)
        PairedProportions tiny = new PairedProportions(1, 0, 0, 1);
        assertEquals(1.0, tiny.mcnemarExactP());
        assertInterval(-0.5734, 0.5734, tiny.newcombe(0.95), FOUR_DP, "Newcombe (1,0;0,1)");
    }

    @Test
    void pairedTableFromZeroOneSamples() {
        PairedProportions t = PairedProportions.of(new double[] {1, 1, 0, 0, 1}, new double[] {1, 0, 1, 0, 0});
        assertEquals(new PairedProportions(1, 2, 1, 1), t);
        assertEquals(0.2, t.difference(), 1e-15);
        assertEquals(0.6, t.discordance(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> PairedProportions.of(new double[] {1}, new double[] {1, 0}));
        // a large table stays finite (log-space binomial sum): 1000 discordant pairs split 500/500 gives p = 1
        assertEquals(1.0, new PairedProportions(0, 500, 500, 0).mcnemarExactP(), 1e-12);
        double p = new PairedProportions(0, 400, 600, 0).mcnemarExactP();
        assertTrue(p > 0 && p < 1e-9, "p = " + p);
    }

    /**
     * Connor (1987), Biometrics 43:207–211: n = (z_{1−α/2}√ψ + z_{1−β}√(ψ − δ²))² / δ². At α = 0.05, power 0.8,
     * ψ = 0.2, δ = 0.1 the formula gives (1.959964·√0.2 + 0.841621·√0.19)² / 0.01 = 154.6 pairs (by hand); the MDE
     * solved from n is the δ that gives back n.
     */
    @Test
    void minimumDetectableDifferenceInvertsConnorsSampleSize() {
        assertEquals(154.59, PairedProportions.requiredPairs(0.1, 0.2, 0.05, 0.8), 0.01);
        double mde = PairedProportions.minimumDetectableDifference(155, 0.2, 0.05, 0.8);
        assertTrue(mde < 0.1 && mde > 0.099, "mde " + mde);
        assertEquals(155, PairedProportions.requiredPairs(mde, 0.2, 0.05, 0.8), 1e-6);
        // more prompts, smaller effects; more discordance, larger ones
        assertTrue(PairedProportions.minimumDetectableDifference(250, 0.2, 0.05, 0.8) < mde);
        assertTrue(PairedProportions.minimumDetectableDifference(155, 0.3, 0.05, 0.8) > mde);
        assertTrue(Double.isNaN(PairedProportions.minimumDetectableDifference(32, 0.0, 0.05, 0.8)));
        assertTrue(Double.isNaN(PairedProportions.minimumDetectableDifference(3, 0.1, 0.05, 0.8)), "nothing detectable with 3 pairs");
    }

    /**
     * Hollander and Wolfe (1973), Nonparametric Statistical Methods, p. 29 (the example of R's {@code wilcox.test}):
     * Hamilton depression scale at first (x) and second (y) visit of nine patients; T+ = 40, one-sided exact
     * P = 0.01953 (= 10/512), so two-sided 0.0390625.
     */
    @Test
    void signedRankExactMatchesHollanderAndWolfe() {
        double[] x = {1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30};
        double[] y = {0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29};
        SignedRank r = SignedRank.test(x, y);
        assertTrue(r.exact());
        assertEquals(9, r.n());
        assertEquals(40.0, r.tPlus());
        assertEquals(2 * 0.01953, r.p(), 2 * 0.5e-5);
        assertEquals(20.0 / 512, r.p(), 1e-15);
        assertEquals(r.p(), SignedRank.test(y, x).p(), 1e-15, "two-sided: symmetric in a and b");
        assertEquals(1.0, SignedRank.test(new double[] {1, 2}, new double[] {1, 2}).p(), "no nonzero difference");
    }

    /**
     * Wikipedia, "Wilcoxon signed-rank test", example (ten pairs, one zero difference, one tie): after dropping the
     * zero, W = 9 (T+ = 27, T− = 18 of n = 9). Ties force the normal approximation; with the tie-corrected variance
     * 9·10·19/24 − (2³ − 2)/48 = 71.125 and the continuity correction, z = (27 − 22.5 − 0.5)/√71.125 = 0.47431 and
     * the two-sided p = 2·(1 − Φ(z)) = 0.63529 (hand calculation from those formulas).
     */
    @Test
    void signedRankNormalApproximationWithTiesOnWikipediasExample() {
        double[] after = {125, 115, 130, 140, 140, 115, 140, 125, 140, 135};
        double[] before = {110, 122, 125, 120, 140, 124, 123, 137, 135, 145};
        SignedRank r = SignedRank.test(after, before);
        assertFalse(r.exact());
        assertEquals(9, r.n());
        assertEquals(27.0, r.tPlus());
        assertEquals(9.0, 2 * r.tPlus() - 9 * 10 / 2.0, 0.0, "Wikipedia's W = T+ − T−");
        assertEquals(0.63529, r.p(), 0.5e-5);
    }

    /**
     * Wikipedia, "Holm–Bonferroni method", example: p = 0.01, 0.04, 0.03, 0.005 for H1..H4 at α = 0.05; Holm rejects
     * H1 and H4 only. Adjusted p-values by the step-down rule: 4·0.005 = 0.02, 3·0.01 = 0.03, max(0.03, 2·0.03) = 0.06,
     * max(0.06, 1·0.04) = 0.06.
     */
    @Test
    void holmMatchesTheWikipediaExample() {
        double[] adjusted = Holm.adjust(new double[] {0.01, 0.04, 0.03, 0.005});
        assertArrayEquals(new double[] {0.03, 0.06, 0.06, 0.02}, adjusted, 1e-15);
        boolean[] rejected = new boolean[4];
        for (int i = 0; i < 4; i++) rejected[i] = adjusted[i] <= 0.05;
        assertArrayEquals(new boolean[] {true, false, false, true}, rejected);
        double[] withNaN = Holm.adjust(new double[] {Double.NaN, 0.02, 0.5});
        assertTrue(Double.isNaN(withNaN[0]));
        assertArrayEquals(new double[] {0.04, 0.5}, new double[] {withNaN[1], withNaN[2]}, 1e-15);
        assertEquals(1.0, Holm.adjust(new double[] {0.6, 0.7})[0], 0.0, "capped at 1");
    }
}
