package flowscale.runtime.flow;

import flowscale.kernels.Philox;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.GaussianMixtureModel;
import flowscale.runtime.model.GaussianModel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** method.md §8 invariants 10, 11, 13, 14 and the Sampler contract. */
class SamplerTest {

    @Test
    void namedSamplersHaveTheDocumentedConfiguration() {
        assertEquals(Sampler.names(), java.util.List.of("ode", "linear-sde", "vp-sde", "linear-sde-adapt-time", "linear-sde-adapt-diff",
                "vp-sde-uniform", "ode-vp-grid"));
        for (String n : Sampler.names()) {
            Sampler s = Sampler.named(n);
            assertEquals(n, s.name());
            assertEquals(10, s.steps());
            assertEquals(n.startsWith("ode") ? false : true, s.stochastic(), n);
            assertEquals(n.startsWith("vp-sde") ? "vp" : "linear", s.path().name(), n);
        }
        assertArrayEquals(TimeGrid.uniform(10), Sampler.named("ode").grid());
        assertArrayEquals(TimeGrid.uniform(10), Sampler.named("linear-sde").grid());
        assertArrayEquals(TimeGrid.sqrt(10), Sampler.named("vp-sde").grid());
        assertEquals(3.0 * 0.25, Sampler.named("linear-sde").diffusion(0.5), 1e-15);
        assertEquals(0.0, Sampler.named("ode").diffusion(0.5));
        Sampler m7 = Sampler.named("vp-sde").withSteps(7);
        assertEquals(7, m7.steps());
        assertArrayEquals(TimeGrid.sqrt(7), m7.grid());
        assertEquals("vp-sde", m7.name());
    }

    @Test
    void unknownSamplerNameListsTheKnownNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sampler.named("vp-ode-x"));
        for (String n : Sampler.names()) assertTrue(e.getMessage().contains(n), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sampler.named(null));
        assertThrows(IllegalArgumentException.class, () -> Sampler.named("ode").withSteps(0));
    }

    @Test
    void zeroDiffusionStepEqualsTheEulerOdeStepExactly() {
        float[] x = {0.3f, -1.7f, 2.2f, 0.01f}, u = {-0.4f, 0.9f, 1.3f, -2.5f}, z = {1f, -1f, 0.5f, 2f};
        for (String n : Sampler.names()) {
            Sampler s = Sampler.named(n).withDiffusion(Diffusion.NONE);
            assertFalse(s.stochastic());
            for (double[] step : new double[][] {{0.9, 0.8}, {0.4358898943540674, 0.0}, {1.0, 0.99}}) {
                float[] out = new float[4];
                s.step(x, u, step[0], step[1], z, out);
                for (int k = 0; k < 4; k++) assertEquals((float) (x[k] - (step[0] - step[1]) * u[k]), out[k], 0.0f, n);
                s.step(x, u, step[0], step[1], null, out);
                for (int k = 0; k < 4; k++) assertEquals((float) (x[k] - (step[0] - step[1]) * u[k]), out[k], 0.0f, n);
            }
        }
    }

    @Test
    void sdeProposalHasMeanXMinusDriftAndVarianceGSquaredDelta() {
        int n = 40_000;
        float[] x = {0.8f}, u = {-0.6f}, z = new float[1], out = new float[1];
        for (String name : new String[] {"vp-sde", "linear-sde", "linear-sde-adapt-diff"}) {
            Sampler s = Sampler.named(name);
            double t = 0.8, tn = 0.7, dt = t - tn;
            double g = s.diffusion(t);
            double score = Conversions.score(s.path(), t, x[0], u[0]);
            double mean = x[0] - (u[0] - 0.5 * g * g * score) * dt;
            double var = g * g * dt;
            double sum = 0, sumSq = 0;
            for (int i = 0; i < n; i++) {
                z[0] = Philox.normal(99, 1, 2, 3, i);
                s.step(x, u, t, tn, z, out);
                sum += out[0];
                sumSq += out[0] * (double) out[0];
            }
            double m = sum / n, v = sumSq / n - m * m;
            assertEquals(mean, m, 4.5 * Math.sqrt(var / n), name + " mean");
            assertEquals(var, v, 4.5 * var * Math.sqrt(2.0 / n), name + " variance");
        }
    }

    @Test
    void linearOdeEulerStepToZeroEqualsTheTweedieEstimate() {
        Sampler ode = Sampler.named("ode");
        float[] x = {0.3f, -1.7f, 2.2f}, u = {-0.4f, 0.9f, 1.3f};
        for (double t : new double[] {1.0, 0.7, 0.1, 1e-3}) {
            float[] stepped = new float[3], tweedie = new float[3];
            ode.step(x, u, t, 0.0, null, stepped);
            ode.tweedie(x, u, t, tweedie);
            assertArrayEquals(tweedie, stepped, 0.0f, "t = " + t);
            for (int k = 0; k < 3; k++) assertEquals((float) (x[k] - t * u[k]), tweedie[k], 0.0f);
        }
    }

    @Test
    void everyCoefficientRequestAtTheDataEndThrows() {
        GaussianModel model = GaussianModel.toy();
        float[][] x = {{0.1f, 0.2f}}, out = new float[1][2];
        Condition[] cond = {Condition.NONE};
        for (String n : Sampler.names()) {
            Sampler s = Sampler.named(n);
            for (double bad : new double[] {0.0, TimeGuard.S_MIN, 5e-7, -0.1, 1.5, Double.NaN}) {
                assertThrows(IllegalArgumentException.class, () -> s.velocity(model, 1, x, new double[] {bad}, cond, out), n);
                assertThrows(IllegalArgumentException.class, () -> s.tweedie(x[0], out[0], bad, out[0]), n);
                assertThrows(IllegalArgumentException.class, () -> s.step(x[0], out[0], bad, 0.0, new float[2], out[0]), n);
                assertThrows(IllegalArgumentException.class, () -> s.diffusion(bad), n);
            }
            assertThrows(IllegalArgumentException.class, () -> s.step(x[0], out[0], 0.5, 0.6, new float[2], out[0]), n);
            assertThrows(IllegalArgumentException.class, () -> s.step(x[0], out[0], 0.5, -0.1, new float[2], out[0]), n);
        }
        assertEquals(0L, model.nfe(), "no model call may happen for a rejected request");
    }

    @Test
    void noNonFiniteValueReachesTheOutputEvenJustAboveTheGuard() {
        GaussianMixtureModel model = GaussianMixtureModel.toy();
        for (String n : Sampler.names()) {
            Sampler s = Sampler.named(n);
            for (int m : new int[] {1, 2, 10, 300}) {
                float[][] out = SamplingLoop.sample(s.withSteps(m), model, 16, null, NoiseSource.philox(m));
                for (float[] o : out) for (float v : o) assertTrue(Float.isFinite(v), n + " M=" + m);
            }
            double sLow = 2 * TimeGuard.S_MIN;
            float[][] x = {{0.5f, -0.5f}}, u = new float[1][2];
            s.velocity(model, 1, x, new double[] {sLow}, null, u);
            float[] est = new float[2], next = new float[2];
            s.tweedie(x[0], u[0], sLow, est);
            s.step(x[0], u[0], sLow, 0.0, new float[] {1f, -1f}, next);
            for (int k = 0; k < 2; k++) {
                assertTrue(Float.isFinite(u[0][k]) && Float.isFinite(est[k]) && Float.isFinite(next[k]), n);
            }
        }
    }

    @Test
    void velocityIsOneBatchedModelCallAtTheConvertedTimes() {
        CountingModel model = new CountingModel(GaussianMixtureModel.toy());
        Sampler vp = Sampler.named("vp-sde");
        double[] s = {1.0, 0.8, 0.435889894354};
        float[][] x = {{0.1f, 0.2f}, {1f, -2f}, {3f, 0f}}, out = new float[3][2];
        vp.velocity(model, 3, x, s, null, out);
        assertEquals(1, model.calls.size());
        assertEquals(3L, model.nfe());
        PathConversion conv = PathConversion.fromLinear(new VpInterpolant());
        for (int i = 0; i < 3; i++) {
            assertEquals(conv.sourceTime(s[i]), model.calls.get(0)[i], 0.0);
            PathConversion.Point p = conv.at(s[i]);
            float[][] xin = {{(float) (x[i][0] / p.c()), (float) (x[i][1] / p.c())}}, ulin = new float[1][2];
            model.inner.velocity(1, xin, new double[] {p.t()}, null, ulin);
            for (int k = 0; k < 2; k++) {
                double expected = p.selfCoefficient() * x[i][k] + p.velocityCoefficient() * ulin[0][k];
                assertEquals(expected, out[i][k], 1e-5 * Math.max(1, Math.abs(expected)));
            }
        }
        CountingModel lin = new CountingModel(GaussianMixtureModel.toy());
        Sampler.named("linear-sde").velocity(lin, 2, x, s, null, out);
        assertEquals(1, lin.calls.size());
        assertArrayEquals(new double[] {1.0, 0.8}, lin.calls.get(0));
    }

    @Test
    void vpTweedieEqualsTheModelsLinearTweedieAtTheConvertedTime() {
        GaussianMixtureModel model = GaussianMixtureModel.toy();
        Sampler vp = Sampler.named("vp-sde");
        PathConversion conv = PathConversion.fromLinear(vp.path());
        for (double s : vp.grid()) {
            if (s == 0.0) continue;
            float[][] x = {{0.7f, -2.1f}}, u = new float[1][2];
            vp.velocity(model, 1, x, new double[] {s}, null, u);
            float[] est = new float[2];
            vp.tweedie(x[0], u[0], s, est);
            PathConversion.Point p = conv.at(s);
            float[][] xin = {{(float) (x[0][0] / p.c()), (float) (x[0][1] / p.c())}}, ulin = new float[1][2];
            model.velocity(1, xin, new double[] {p.t()}, null, ulin);
            for (int k = 0; k < 2; k++) assertEquals(xin[0][k] - p.t() * ulin[0][k], est[k], 2e-5, "s = " + s);
        }
    }

    @Test
    void samplingLoopSpendsStepsTimesParticlesNfeAndIsDeterministic() {
        for (String n : Sampler.names()) {
            CountingModel model = new CountingModel(GaussianMixtureModel.toy());
            Sampler s = Sampler.named(n);
            float[][] a = SamplingLoop.sample(s, model, 5, null, NoiseSource.philox(42));
            assertEquals(50L, model.nfe(), n);
            assertEquals(10, model.calls.size(), n);
            double[] lastCall = model.calls.get(9);
            assertEquals(s.modelTime(s.grid()[9]), lastCall[0], 0.0, "the output is the Tweedie estimate at s_{M-1}");
            float[][] b = SamplingLoop.sample(s, GaussianMixtureModel.toy(), 5, null, NoiseSource.philox(42));
            assertArrayEquals(a, b, n);
            float[][] single = SamplingLoop.sample(s, GaussianMixtureModel.toy(), 1, null, NoiseSource.philox(42));
            assertArrayEquals(a[0], single[0], n + ": a particle does not depend on the batch size");
        }
    }

    @Test
    void adaptTimeStepsTheLinearSdeAtConvertedVpTimes() {
        Sampler at = Sampler.named("linear-sde-adapt-time");
        PathConversion conv = PathConversion.fromLinear(new VpInterpolant());
        double[] sq = TimeGrid.sqrt(10), g = at.grid();
        for (int i = 1; i < 10; i++) assertEquals(conv.sourceTime(sq[i]), g[i], 0.0);
        assertEquals(3 * g[5] * g[5], at.diffusion(g[5]), 1e-15);
        assertEquals(g[5], at.modelTime(g[5]), 0.0);
    }

    @Test
    void adaptDiffMatchesTheVpNoiseLevelInLinearCoordinates() {
        Sampler ad = Sampler.named("linear-sde-adapt-diff");
        PathConversion conv = PathConversion.fromLinear(new VpInterpolant());
        for (double s : new double[] {1.0, 0.9, 0.6, 0.3, 0.1}) {
            // the discrete definition (g_s/c_s) sqrt(ds/dt_s) tends to the coefficient as the step shrinks
            double ds = 1e-7;
            double discrete = 3 * s * s / conv.scale(s) * Math.sqrt(ds / (conv.sourceTime(s) - conv.sourceTime(s - ds)));
            assertEquals(discrete, ad.diffusion(s), 1e-5 * discrete, "s = " + s);
        }
        assertEquals(11.7, ad.diffusion(1.0), 0.1);
        assertArrayEquals(TimeGrid.uniform(10), ad.grid());
    }

    @Test
    void forwardNoiseIsTheExactTransitionOfThePath() {
        int n = 40_000;
        for (String name : new String[] {"vp-sde", "ode"}) {
            Sampler smp = Sampler.named(name);
            Interpolant p = smp.path();
            GaussianModel model = new GaussianModel(new double[] {0.7}, new double[] {0.5});
            double s = 0.12, sUp = 0.9;
            float[][] x0 = new float[n][1];
            model.sampleData(5, n, x0);
            double sum = 0, sumSq = 0;
            float[] z = new float[1], x = new float[1], out = new float[1];
            for (int i = 0; i < n; i++) {
                x[0] = (float) (p.alpha(s) * x0[i][0] + p.sigma(s) * Philox.normal(6, 0, 0, 0, i));
                z[0] = Philox.normal(7, 0, 0, 0, i);
                smp.forwardNoise(x, s, sUp, z, out);
                sum += out[0];
                sumSq += out[0] * (double) out[0];
            }
            double m = sum / n, v = sumSq / n - m * m;
            double a = p.alpha(sUp), sg = p.sigma(sUp);
            double expMean = a * 0.7, expVar = a * a * 0.25 + sg * sg;
            assertEquals(expMean, m, 4.5 * Math.sqrt(expVar / n), name);
            assertEquals(expVar, v, 4.5 * expVar * Math.sqrt(2.0 / n), name);
        }
        Sampler ode = Sampler.named("ode");
        float[] o = new float[1];
        assertThrows(IllegalArgumentException.class, () -> ode.forwardNoise(new float[1], 0.5, 0.4, new float[1], o));
        assertThrows(IllegalArgumentException.class, () -> ode.forwardNoise(new float[1], 1.0, 1.0, new float[1], o));
        ode.forwardNoise(new float[] {2f}, 0.0, 1.0, new float[] {0.5f}, o);
        assertEquals(0.5f, o[0], 0.0f, "from data to pure noise on the linear path");
    }

    @Test
    void diffusionFormsEvaluateAsDocumented() {
        Interpolant vp = new VpInterpolant();
        double t = 0.7;
        assertEquals(3 * t * t, Diffusion.parse("square:3").at(t, vp), 1e-15);
        assertEquals(2.0, Diffusion.parse("constant:2").at(t, vp), 1e-15);
        assertEquals(vp.sigma(t), Diffusion.parse("sigma:1").at(t, vp), 1e-15);
        assertEquals(Math.sin(Math.PI * t / 2), Diffusion.parse("sin:1").at(t, vp), 1e-15);
        assertEquals(t, Diffusion.parse("linear:1").at(t, vp), 1e-15);
        assertEquals(0.4, Diffusion.parse("clipping:1").at(t, vp), 1e-15);
        assertEquals(0.0, Diffusion.parse("clipping:1").at(0.3, vp), 0.0);
        assertEquals(Math.exp(-9), Diffusion.parse("exp:1").at(t, vp), 1e-15);
        assertEquals(Math.tan(Math.PI / 2 * 0.95), Diffusion.parse("tan:1").at(0.99, vp), 1e-12);
        assertEquals(Diffusion.PAPER, Diffusion.parse("square"));
        assertEquals(Diffusion.NONE, Diffusion.parse("none"));
        assertThrows(IllegalArgumentException.class, () -> Diffusion.parse("cubic:3"));
        assertThrows(IllegalArgumentException.class, () -> Diffusion.parse("square:x"));
        assertThrows(IllegalArgumentException.class, () -> Diffusion.parse("square:-1"));
    }
}
