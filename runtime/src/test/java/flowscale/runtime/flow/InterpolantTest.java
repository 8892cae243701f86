package flowscale.runtime.flow;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** method.md §8 invariants 1 and 2, plus the SNR inverses of every interpolant. */
class InterpolantTest {
    private static final List<Interpolant> ALL = List.of(LinearInterpolant.INSTANCE, new VpInterpolant(),
            new VpInterpolant(0.5, 5.0), new PolynomialInterpolant(1), new PolynomialInterpolant(2.5), CosineInterpolant.INSTANCE);

    @Test
    void linearEndpointsAndDerivativesAreExact() {
        Interpolant p = LinearInterpolant.INSTANCE;
        assertEquals(1.0, p.alpha(0));
        assertEquals(0.0, p.sigma(0));
        assertEquals(0.0, p.alpha(1));
        assertEquals(1.0, p.sigma(1));
        for (double t : new double[] {0, 0.3, 0.77, 1}) {
            assertEquals(-1.0, p.alphaDot(t));
            assertEquals(1.0, p.sigmaDot(t));
            assertEquals(-1.0, p.determinant(t));
        }
    }

    @Test
    void vpEndpointsMatchTheSchedule() {
        VpInterpolant p = new VpInterpolant();
        assertEquals(1.0, p.alpha(0));
        assertEquals(0.0, p.sigma(0));
        assertEquals(Math.exp(-5.025), p.alpha(1), 1e-12);
        assertEquals(0.0065716, p.alpha(1), 1e-7);
        assertEquals(0.999978, p.sigma(1), 1e-6);
        assertEquals(10.05, p.integratedBeta(1), 1e-12);
    }

    @Test
    void vpCoefficientsSatisfyAlphaSquaredPlusSigmaSquaredIsOne() {
        VpInterpolant p = new VpInterpolant();
        for (int i = 1; i <= 1000; i++) {
            double s = i / 1000.0;
            double a = p.alpha(s), g = p.sigma(s);
            assertEquals(1.0, a * a + g * g, 1e-14, "s = " + s);
        }
    }

    @Test
    void vpSigmaKeepsFullRelativeAccuracyNearTheDataEnd() {
        VpInterpolant p = new VpInterpolant();
        double s = 1e-9;
        // T = 1e-10 to first order, so sigma = sqrt(T) to relative 1e-10; the naive sqrt(1 - exp(-T)) loses ~7 digits.
        double expected = Math.sqrt(0.1 * s + 9.95 * s * s);
        assertEquals(expected, p.sigma(s), expected * 1e-9);
    }

    @Test
    void analyticDerivativesMatchCentralFiniteDifferences() {
        double h = 1e-5;
        for (Interpolant p : ALL) {
            for (int i = 1; i < 20; i++) {
                double t = 0.05 * i;
                double fa = (p.alpha(t + h) - p.alpha(t - h)) / (2 * h);
                double fs = (p.sigma(t + h) - p.sigma(t - h)) / (2 * h);
                assertEquals(fa, p.alphaDot(t), 1e-6 * Math.max(1e-3, Math.abs(fa)), p.name() + " alphaDot at " + t);
                assertEquals(fs, p.sigmaDot(t), 1e-6 * Math.max(1e-3, Math.abs(fs)), p.name() + " sigmaDot at " + t);
            }
        }
    }

    @Test
    void alphaDecreasesAndSigmaIncreasesOnEveryInterpolant() {
        for (Interpolant p : ALL) {
            for (int i = 1; i < 100; i++) {
                double t = i / 100.0;
                assertTrue(p.alphaDot(t) < 0, p.name());
                assertTrue(p.sigmaDot(t) > 0, p.name());
                assertTrue(p.determinant(t) < 0, p.name());
            }
        }
    }

    @Test
    void timeForSnrInvertsTheSignalToNoiseRatio() {
        for (Interpolant p : ALL) {
            for (int i = 1; i < 100; i++) {
                double t = i / 100.0;
                assertEquals(t, p.timeForSnr(p.snr(t)), 1e-12, p.name() + " at " + t);
            }
        }
        assertEquals(1.0, LinearInterpolant.INSTANCE.timeForSnr(0.0));
        assertEquals(1.0, CosineInterpolant.INSTANCE.timeForSnr(0.0), 1e-15);
    }

    @Test
    void vpLogSnrLiesBelowLinearAtEveryTime() {
        VpInterpolant vp = new VpInterpolant();
        for (int i = 1; i < 100; i++) {
            double t = i / 100.0;
            assertTrue(vp.logSnr(t) < LinearInterpolant.INSTANCE.logSnr(t), "t = " + t);
        }
    }

    @Test
    void polynomialOfDegreeOneIsTheLinearInterpolant() {
        PolynomialInterpolant p = new PolynomialInterpolant(1);
        for (int i = 0; i <= 100; i++) {
            double t = i / 100.0;
            assertEquals(1.0 - t, p.alpha(t), 1e-15);
            assertEquals(t, p.sigma(t), 1e-15);
            assertEquals(-1.0, p.alphaDot(t), 1e-15);
            assertEquals(1.0, p.sigmaDot(t), 1e-15);
        }
    }
}
