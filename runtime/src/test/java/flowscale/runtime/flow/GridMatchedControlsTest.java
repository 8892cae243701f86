package flowscale.runtime.flow;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The grid-matched controls of issue 19: the VP-SDE on a uniform VP-time grid (last evaluated linear time 0.254) and
 * the linear ODE on the VP runs' converted sqrt grid (last evaluated linear time 0.709, where vp-sde jumps from),
 * with the reference values worked out here from method.md §1.3/§4.2, independently of PathConversion.
 */
class GridMatchedControlsTest {
    /** Linear time of VP time s: sigmaBar / (alphaBar + sigmaBar), beta 0.1..20. */
    static double linearTime(double s) {
        double integral = 0.1 * s + 0.5 * (20 - 0.1) * s * s;
        double alpha = Math.exp(-integral / 2), sigma = Math.sqrt(-Math.expm1(-integral));
        return sigma / (alpha + sigma);
    }

    @Test
    void vpSdeOnTheUniformGridEndsAtLinearTime0254() {
        Sampler s = Sampler.named("vp-sde-uniform");
        assertArrayEquals(TimeGrid.uniform(10), s.grid());
        assertEquals("vp", s.path().name());
        assertTrue(s.stochastic());
        assertEquals(3 * 0.5 * 0.5, s.diffusion(0.5), 1e-15, "g = 3 s^2 on VP time, as vp-sde");
        double last = s.modelTime(s.grid()[9]);
        assertEquals(linearTime(0.1), last, 1e-12);
        assertEquals(0.254, last, 5e-4);
        for (int i = 0; i < 10; i++) assertEquals(linearTime(s.grid()[i]), s.modelTime(s.grid()[i]), 1e-12);
    }

    @Test
    void odeOnTheVpGridJumpsFromWhereVpSdeDoes() {
        Sampler ode = Sampler.named("ode-vp-grid"), vp = Sampler.named("vp-sde");
        assertFalse(ode.stochastic());
        assertEquals("linear", ode.path().name());
        assertArrayEquals(Sampler.named("linear-sde-adapt-time").grid(), ode.grid(), "the Linear-SDE control's grid");
        double[] g = ode.grid();
        assertEquals(1.0, g[0]);
        assertEquals(0.0, g[10]);
        for (int i = 1; i < 10; i++) {
            assertEquals(vp.modelTime(vp.grid()[i]), ode.modelTime(g[i]), 1e-12, "grid point " + i);
        }
        assertEquals(0.708679, g[9], 1e-6, "method.md §4.4's table");
        assertEquals(0.993139, g[1], 1e-6);
    }
}
