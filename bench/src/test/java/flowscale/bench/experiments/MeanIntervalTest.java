package flowscale.bench.experiments;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MeanIntervalTest {

    @Test
    void studentTIntervalOfAKnownSample() {
        // 1..5: mean 3, sd sqrt(2.5), t_{0.975,4} = 2.7764451; half = 2.7764451 * 1.5811388 / sqrt(5) = 1.9632432
        MeanInterval m = MeanInterval.of(new double[] {1, 2, 3, 4, 5});
        assertEquals(5, m.n());
        assertEquals(3.0, m.mean(), 1e-12);
        assertEquals(1.9632432, m.halfWidth(), 1e-6);
        assertEquals(3.0 - 1.9632432, m.lower(), 1e-6);
        assertEquals("3.000 ± 1.963", m.format(3));
    }

    @Test
    void pairedDifferencesMatchAHandComputedCase() {
        // differences 1, 2, 3, 4: mean 2.5, sd 1.2910, t(0.975, 3) = 3.182446
        MeanInterval s = MeanInterval.ofDifferences(new double[] {2, 4, 6, 8}, new double[] {1, 2, 3, 4});
        assertTrue(Math.abs(s.mean() - 2.5) < 1e-12);
        assertTrue(Math.abs(s.halfWidth() - 3.182446 * 1.2909944 / 2) < 1e-5, s.toString());
        assertThrows(IllegalArgumentException.class, () -> MeanInterval.ofDifferences(new double[2], new double[3]));
    }

    @Test
    void twoValuesUseTheWideT1Quantile() {
        // n = 2: t_{0.975,1} = 12.706205, sd = |a-b|/sqrt(2), half = 12.706205 * sd / sqrt(2) = 12.706205 * |a-b| / 2
        MeanInterval m = MeanInterval.of(new double[] {-1, 1});
        assertEquals(0.0, m.mean(), 1e-12);
        assertEquals(12.706205, m.halfWidth(), 1e-5);
    }

    @Test
    void accuracyDataAndDegenerateSamples() {
        MeanInterval acc = MeanInterval.of(new double[] {1, 0, 1, 1});
        assertEquals(0.75, acc.mean(), 1e-12);
        // sd = 0.5, t_{0.975,3} = 3.1824463, half = 3.1824463 * 0.5 / 2
        assertEquals(0.7956116, acc.halfWidth(), 1e-6);

        MeanInterval same = MeanInterval.of(new double[] {-2, -2, -2});
        assertEquals(0.0, same.halfWidth(), 0.0);
        assertEquals("-2.00 ± 0.00", same.format(2));

        MeanInterval one = MeanInterval.of(new double[] {0.25});
        assertEquals(0.25, one.mean(), 0.0);
        assertTrue(Double.isNaN(one.halfWidth()));
        assertEquals("0.250 (n=1)", one.format(3));

        MeanInterval none = MeanInterval.of(new double[0]);
        assertTrue(Double.isNaN(none.mean()));
        assertEquals("–", none.format(3));
    }

    @Test
    void intervalShrinksLikeOneOverRootN() {
        double[] small = new double[10], large = new double[1000];
        for (int i = 0; i < small.length; i++) small[i] = i % 2;
        for (int i = 0; i < large.length; i++) large[i] = i % 2;
        double ratio = MeanInterval.of(small).halfWidth() / MeanInterval.of(large).halfWidth();
        // sqrt(1000/10) = 10, times t_{9}/t_{999} = 2.262/1.962 and the sd's n-1 correction sqrt(999*10/(9*1000))
        assertEquals(10 * (2.2621572 / 1.9623414) * Math.sqrt(999.0 * 10 / (9.0 * 1000)), ratio, 1e-3);
    }
}
