package flowscale.runtime.model;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exactness of the analytic models: score, posterior means, velocity, NFE counting, data sampling. */
class AnalyticModelTest {

    /** log of the path marginal density of a diagonal Gaussian mixture, written independently of the model. */
    private static double logDensity(double[] w, double[][] mu, double[][] sd, double a, double s, double[] x) {
        double p = 0;
        for (int c = 0; c < w.length; c++) {
            double l = Math.log(w[c]);
            for (int j = 0; j < x.length; j++) {
                double v = a * a * sd[c][j] * sd[c][j] + s * s;
                double r = x[j] - a * mu[c][j];
                l += -0.5 * Math.log(2 * Math.PI * v) - 0.5 * r * r / v;
            }
            p += Math.exp(l);
        }
        return Math.log(p);
    }

    @Test
    void mixtureScoreIsTheGradientOfTheLogMarginalDensity() {
        GaussianMixtureModel m = GaussianMixtureModel.toy();
        double[] w = m.weights();
        double[][] mu = m.means(), sd = m.stds();
        SplittableRandom rnd = new SplittableRandom(1);
        double h = 1e-5;
        double[] x = new double[2], score = new double[2];
        for (int trial = 0; trial < 200; trial++) {
            double t = 0.05 + 0.9 * rnd.nextDouble();
            double a = 1 - t, s = t;
            x[0] = 8 * (rnd.nextDouble() - 0.5);
            x[1] = 8 * (rnd.nextDouble() - 0.5);
            m.posterior(a, s, x, null, null, score);
            for (int j = 0; j < 2; j++) {
                double[] xp = x.clone(), xm = x.clone();
                xp[j] += h;
                xm[j] -= h;
                double fd = (logDensity(w, mu, sd, a, s, xp) - logDensity(w, mu, sd, a, s, xm)) / (2 * h);
                assertEquals(fd, score[j], 1e-6 * Math.max(1, Math.abs(fd)), "t = " + t);
            }
        }
    }

    @Test
    void posteriorMeansSatisfyTheInterpolantIdentityAndTweedie() {
        GaussianMixtureModel m = GaussianMixtureModel.toy();
        SplittableRandom rnd = new SplittableRandom(2);
        double[] x = new double[2], x0 = new double[2], eps = new double[2], score = new double[2];
        for (int trial = 0; trial < 200; trial++) {
            double t = 0.02 + 0.96 * rnd.nextDouble(), a = 1 - t, s = t;
            x[0] = 8 * (rnd.nextDouble() - 0.5);
            x[1] = 8 * (rnd.nextDouble() - 0.5);
            m.posterior(a, s, x, x0, eps, score);
            for (int j = 0; j < 2; j++) {
                assertEquals(x[j], a * x0[j] + s * eps[j], 1e-12, "x = alpha E[x0|x] + sigma E[eps|x]");
                assertEquals(x0[j], (x[j] + s * s * score[j]) / a, 1e-10, "Tweedie's formula");
                assertEquals(-eps[j] / s, score[j], 1e-10);
            }
        }
    }

    @Test
    void linearVelocityIsNoiseMinusCleanMeanAndCountsOneNfePerLatent() {
        GaussianMixtureModel m = GaussianMixtureModel.toy();
        float[][] x = {{0.5f, -1f}, {2f, 2f}, {-3f, 0.1f}}, out = new float[3][2];
        double[] t = {0.9, 0.4, 0.05};
        m.velocity(2, x, t, null, out);
        assertEquals(2L, m.nfe());
        m.velocity(3, x, t, new Condition[] {Condition.NONE, Condition.NONE, Condition.NONE}, out);
        assertEquals(5L, m.nfe());
        for (int i = 0; i < 3; i++) {
            double[] xd = {x[i][0], x[i][1]}, x0 = new double[2], eps = new double[2];
            m.posterior(1 - t[i], t[i], xd, x0, eps, null);
            for (int j = 0; j < 2; j++) assertEquals((float) (eps[j] - x0[j]), out[i][j], 0.0f);
        }
        m.resetNfe();
        assertEquals(0L, m.nfe());
        assertThrows(IllegalArgumentException.class, () -> m.velocity(4, x, t, null, out));
        assertThrows(IllegalArgumentException.class, () -> m.velocity(1, x, new double[] {1.5}, null, out));
    }

    @Test
    void singleComponentMixtureEqualsTheGaussianModel() {
        GaussianModel g = new GaussianModel(new double[] {0.7, -1.2}, new double[] {0.5, 0.2});
        GaussianMixtureModel m = new GaussianMixtureModel(new double[] {3.0}, new double[][] {{0.7, -1.2}}, new double[][] {{0.5, 0.2}});
        double[] x = {0.3, 0.9}, a0 = new double[2], a1 = new double[2], b0 = new double[2], b1 = new double[2];
        for (double t : new double[] {0.0, 0.3, 0.8, 1.0}) {
            g.posterior(1 - t, t, x, a0, a1, null);
            m.posterior(1 - t, t, x, b0, b1, null);
            for (int j = 0; j < 2; j++) {
                assertEquals(a0[j], b0[j], 1e-14);
                assertEquals(a1[j], b1[j], 1e-14);
                assertEquals(g.marginalCdf(j, 1 - t, t, 0.1), m.marginalCdf(j, 1 - t, t, 0.1), 1e-14);
            }
        }
    }

    @Test
    void dataSamplesHaveTheDataMeanAndCovariance() {
        for (AnalyticModel m : new AnalyticModel[] {GaussianModel.toy(), GaussianMixtureModel.toy()}) {
            int n = 20_000, d = m.dim();
            float[][] x = new float[n][d];
            m.sampleData(3, n, x);
            double[] mean = m.dataMean();
            double[][] cov = m.dataCovariance();
            for (int j = 0; j < d; j++) {
                double s = 0, s2 = 0;
                for (float[] r : x) {
                    s += r[j];
                    s2 += r[j] * (double) r[j];
                }
                double mj = s / n, vj = s2 / n - mj * mj;
                assertEquals(mean[j], mj, 4.5 * Math.sqrt(cov[j][j] / n), m + " mean " + j);
                assertEquals(cov[j][j], vj, 0.05 * cov[j][j], m + " variance " + j);
            }
            float[][] again = new float[n][d];
            m.sampleData(3, n, again);
            assertTrue(java.util.Arrays.deepEquals(x, again), "sampling is deterministic in the key");
        }
    }

    @Test
    void toyPresetsResolveByName() {
        assertEquals(2, AnalyticModels.named("toy:gmm").dim());
        assertEquals(6, ((GaussianMixtureModel) AnalyticModels.named("toy:gmm")).components());
        assertEquals(2, AnalyticModels.named("toy:gaussian").dim());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AnalyticModels.named("toy:cube"));
        assertTrue(e.getMessage().contains("toy:gmm"));
        assertThrows(IllegalArgumentException.class, () -> new GaussianModel(new double[] {0}, new double[] {0}));
        assertThrows(IllegalArgumentException.class,
                () -> new GaussianMixtureModel(new double[] {1, -1}, new double[][] {{0}, {1}}, new double[][] {{1}, {1}}));
    }
}
