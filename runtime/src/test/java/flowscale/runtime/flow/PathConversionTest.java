package flowscale.runtime.flow;

import flowscale.runtime.model.AnalyticModel;
import flowscale.runtime.model.GaussianMixtureModel;
import flowscale.runtime.model.GaussianModel;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** method.md §8 invariants 5-8: linear -> VP conversion. */
class PathConversionTest {
    private final VpInterpolant vp = new VpInterpolant();
    private final PathConversion closed = PathConversion.fromLinear(vp);
    private final PathConversion general = PathConversion.general(LinearInterpolant.INSTANCE, vp);

    @Test
    void convertedTimeMatchesSnrAndScaleMatchesBothCoefficients() {
        for (int i = 1; i <= 200; i++) {
            double s = i / 200.0;
            PathConversion.Point p = closed.at(s);
            double t = p.t();
            Interpolant lin = LinearInterpolant.INSTANCE;
            assertEquals(vp.snr(s), lin.snr(t), 1e-9 * Math.max(1, vp.snr(s)), "s = " + s);
            assertEquals(vp.alpha(s), p.c() * lin.alpha(t), 1e-14, "s = " + s);
            assertEquals(vp.sigma(s), p.c() * lin.sigma(t), 1e-14, "s = " + s);
            assertEquals(vp.alpha(s) + vp.sigma(s), p.c(), 1e-15);
        }
    }

    @Test
    void closedFormRatesEqualTheGeneralEquation11Forms() {
        for (int i = 1; i <= 200; i++) {
            double s = i / 200.0;
            PathConversion.Point a = closed.at(s), b = general.at(s);
            assertEquals(b.t(), a.t(), 1e-12, "t at s = " + s);
            assertEquals(b.c(), a.c(), 1e-12, "c at s = " + s);
            assertEquals(b.tDot(), a.tDot(), 1e-9 * Math.max(1, Math.abs(b.tDot())), "tDot at s = " + s);
            assertEquals(b.cDot(), a.cDot(), 1e-9 * Math.max(1, Math.abs(b.cDot())), "cDot at s = " + s);
        }
    }

    @Test
    void conversionRatesAreTheDerivativesOfTimeAndScale() {
        double h = 1e-6;
        for (int i = 2; i < 100; i++) {
            double s = i / 100.0;
            double tDot = (closed.sourceTime(s + h) - closed.sourceTime(s - h)) / (2 * h);
            double cDot = (closed.scale(s + h) - closed.scale(s - h)) / (2 * h);
            assertEquals(tDot, closed.at(s).tDot(), 1e-6 * Math.max(1, Math.abs(tDot)));
            assertEquals(cDot, closed.at(s).cDot(), 1e-6 * Math.max(1, Math.abs(cDot)));
        }
    }

    @Test
    void convertedLinearVelocityEqualsTheAnalyticVpVelocity() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (AnalyticModel model : new AnalyticModel[] {new GaussianModel(new double[] {0.7}, new double[] {0.5}), GaussianMixtureModel.toy()}) {
            int d = model.dim();
            double[] xbar = new double[d], xin = new double[d], ulin = new double[d], uvp = new double[d];
            for (int trial = 0; trial < 300; trial++) {
                double s = 0.02 + 0.98 * rnd.nextDouble();
                for (int j = 0; j < d; j++) xbar[j] = 6 * (rnd.nextDouble() - 0.5);
                PathConversion.Point p = closed.at(s);
                for (int j = 0; j < d; j++) xin[j] = xbar[j] / p.c();
                double t = p.t();
                model.velocity(1 - t, t, -1, 1, xin, ulin);
                model.velocity(vp.alpha(s), vp.sigma(s), vp.alphaDot(s), vp.sigmaDot(s), xbar, uvp);
                for (int j = 0; j < d; j++) {
                    double converted = PathConversion.targetVelocity(xbar[j], ulin[j], p);
                    assertEquals(uvp[j], converted, 1e-12 * Math.max(1, Math.abs(uvp[j])), model + " s = " + s);
                }
            }
        }
    }

    @Test
    void vpTweedieOfConvertedVelocityEqualsLinearTweedieOfTheModel() {
        GaussianMixtureModel model = GaussianMixtureModel.toy();
        SplittableRandom rnd = new SplittableRandom(5);
        double[] xbar = new double[2], xin = new double[2], ulin = new double[2];
        for (int trial = 0; trial < 300; trial++) {
            double s = 0.02 + 0.98 * rnd.nextDouble();
            PathConversion.Point p = closed.at(s);
            for (int j = 0; j < 2; j++) {
                xbar[j] = 6 * (rnd.nextDouble() - 0.5);
                xin[j] = xbar[j] / p.c();
            }
            model.velocity(1 - p.t(), p.t(), -1, 1, xin, ulin);
            for (int j = 0; j < 2; j++) {
                double ubar = PathConversion.targetVelocity(xbar[j], ulin[j], p);
                double viaVp = Conversions.clean(vp, s, xbar[j], ubar);
                double viaLinear = xin[j] - p.t() * ulin[j];
                assertEquals(viaLinear, viaVp, 1e-11 * Math.max(1, Math.abs(viaLinear)), "s = " + s);
            }
        }
    }

    @Test
    void conversionToPolynomialOfDegreeOneIsTheIdentity() {
        PathConversion id = PathConversion.fromLinear(new PolynomialInterpolant(1));
        PathConversion idGeneral = PathConversion.general(LinearInterpolant.INSTANCE, new PolynomialInterpolant(1));
        for (int i = 1; i <= 100; i++) {
            double s = i / 100.0;
            for (PathConversion c : new PathConversion[] {id, idGeneral}) {
                PathConversion.Point p = c.at(s);
                assertEquals(s, p.t(), 1e-15);
                assertEquals(1.0, p.c(), 1e-15);
                assertEquals(1.0, p.tDot(), 1e-12);
                assertEquals(0.0, p.cDot(), 1e-12);
                assertEquals(-0.625, PathConversion.targetVelocity(0.25, -0.625, p), 1e-12);
            }
        }
    }

    @Test
    void conversionRejectsTheDataEnd() {
        assertThrows(IllegalArgumentException.class, () -> closed.at(0.0));
        assertThrows(IllegalArgumentException.class, () -> closed.at(TimeGuard.S_MIN));
        assertThrows(IllegalArgumentException.class, () -> closed.at(1.0 + 1e-12));
    }
}
