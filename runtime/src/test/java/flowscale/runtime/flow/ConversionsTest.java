package flowscale.runtime.flow;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** method.md §8 invariants 3 and 4: the §2 conversions are exact inverses and agree with Gaussian closed forms. */
class ConversionsTest {
    private static final List<Interpolant> ALL = List.of(LinearInterpolant.INSTANCE, new VpInterpolant(),
            new PolynomialInterpolant(2.5), CosineInterpolant.INSTANCE);

    @Test
    void conversionsRoundTripCleanNoiseScoreAndVelocity() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (Interpolant p : ALL) {
            for (int trial = 0; trial < 500; trial++) {
                double t = 0.01 + 0.98 * rnd.nextDouble();
                double x0 = 3 * (rnd.nextDouble() - 0.5), eps = 3 * (rnd.nextDouble() - 0.5);
                double x = p.alpha(t) * x0 + p.sigma(t) * eps;
                double u = p.alphaDot(t) * x0 + p.sigmaDot(t) * eps;
                String at = p.name() + " t=" + t;
                double score = Conversions.score(p, t, x, u);
                assertEquals(x0, Conversions.clean(p, t, x, u), 1e-10, at);
                assertEquals(eps, Conversions.noise(p, t, x, u), 1e-10, at);
                assertEquals(-eps / p.sigma(t), score, 1e-10 / p.sigma(t), at);
                assertEquals(u, Conversions.velocityFromScore(p, t, x, score), 1e-10, at);
                assertEquals(u, Conversions.velocityFromClean(p, t, x, x0), 1e-10, at);
                assertEquals(u, Conversions.velocityFromNoise(p, t, x, eps), 1e-10, at);
                assertEquals(x0, Conversions.cleanFromScore(p, t, x, score), 1e-9, at);
            }
        }
    }

    @Test
    void arrayFormsEqualScalarFormsAndMayWriteInPlace() {
        Interpolant p = new VpInterpolant();
        double t = 0.37;
        float[] x = {0.5f, -1.25f, 2f}, u = {1.5f, 0.25f, -0.75f};
        float[] out = new float[3];
        Conversions.clean(p, t, x, u, out);
        for (int k = 0; k < 3; k++) assertEquals((float) Conversions.clean(p, t, x[k], u[k]), out[k], 1e-6f);
        Conversions.score(p, t, x, u, out);
        for (int k = 0; k < 3; k++) assertEquals((float) Conversions.score(p, t, x[k], u[k]), out[k], 1e-5f);
        Conversions.noise(p, t, x, u, out);
        for (int k = 0; k < 3; k++) assertEquals((float) Conversions.noise(p, t, x[k], u[k]), out[k], 1e-6f);
        float[] uCopy = u.clone();
        Conversions.velocityFromNoise(p, t, x, out, out);
        for (int k = 0; k < 3; k++) assertEquals(uCopy[k], out[k], 1e-5f);
    }

    @Test
    void linearSpecialCasesMatchTheClosedForms() {
        Interpolant p = LinearInterpolant.INSTANCE;
        double t = 0.3, x = 0.8, u = -1.1;
        assertEquals(x - t * u, Conversions.clean(p, t, x, u), 1e-15);
        assertEquals(x + (1 - t) * u, Conversions.noise(p, t, x, u), 1e-15);
        assertEquals(-(x + (1 - t) * u) / t, Conversions.score(p, t, x, u), 1e-14);
        // the D-form Tweedie estimate holds at the noise end, where alpha = 0
        assertEquals(x - u, Conversions.clean(p, 1.0, x, u), 1e-15);
    }

    @Test
    void scoreAndTweedieFromGaussianVelocityMatchTheGaussianPosterior() {
        double m = 0.7, s0 = 0.5;
        SplittableRandom rnd = new SplittableRandom(11);
        for (Interpolant p : ALL) {
            for (int trial = 0; trial < 200; trial++) {
                double t = 0.01 + 0.98 * rnd.nextDouble();
                double x = 4 * (rnd.nextDouble() - 0.5);
                double a = p.alpha(t), s = p.sigma(t);
                double v = a * a * s0 * s0 + s * s;
                // E[x0|x] and E[eps|x] of the joint Gaussian (x0, eps) given x = a x0 + s eps
                double ex0 = m + a * s0 * s0 * (x - a * m) / v;
                double eeps = s * (x - a * m) / v;
                double u = p.alphaDot(t) * ex0 + p.sigmaDot(t) * eeps;
                String at = p.name() + " t=" + t;
                assertEquals(-(x - a * m) / v, Conversions.score(p, t, x, u), 1e-10, at);
                assertEquals(m + a * s0 * s0 * (x - a * m) / v, Conversions.clean(p, t, x, u), 1e-10, at);
            }
        }
    }

    @Test
    void singularEndsAreRejectedInsteadOfReturningInfinity() {
        Interpolant lin = LinearInterpolant.INSTANCE;
        assertThrows(IllegalArgumentException.class, () -> Conversions.score(lin, 0.0, 1.0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> Conversions.velocityFromClean(lin, 0.0, 1.0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> Conversions.velocityFromNoise(lin, 1.0, 1.0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> Conversions.velocityFromScore(lin, 1.0, 1.0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> Conversions.cleanFromScore(lin, 1.0, 1.0, 1.0));
        assertThrows(IllegalArgumentException.class,
                () -> Conversions.score(new VpInterpolant(), 0.0, new float[1], new float[1], new float[1]));
    }
}
