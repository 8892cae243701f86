package flowscale.runtime.flow;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BFL's shifted schedule and which samplers take a model's schedule. */
class TimeShiftTest {
    @Test
    void muIsLinearInTheTokenCountThroughBflsTwoPoints() {
        assertEquals(0.5, TimeShift.forImageTokens(256).mu(), 1e-15);
        assertEquals(1.15, TimeShift.forImageTokens(4096).mu(), 1e-15);
        assertEquals(0.5 + 0.65 * (1024 - 256) / 3840.0, TimeShift.forImageTokens(1024).mu(), 1e-15);
    }

    @Test
    void theWarpKeepsTheEndpointsAndMovesTimesTowardsNoise() {
        TimeShift s = new TimeShift(1.15);
        assertEquals(1.0, s.apply(1.0));
        assertEquals(0.0, s.apply(0.0));
        // e^mu / (e^mu + 1/t - 1) at t = 0.5 is e^mu / (e^mu + 1)
        assertEquals(Math.exp(1.15) / (Math.exp(1.15) + 1), s.apply(0.5), 1e-15);
        assertTrue(s.apply(0.25) > 0.25);
        assertEquals(0.3, new TimeShift(0).apply(0.3), 1e-15);
    }

    @Test
    void linearTimeSamplersTakeTheScheduleAndVpGridsKeepTheirs() {
        TimeShift shift = TimeShift.forImageTokens(1024);
        for (String name : new String[] {"ode", "linear-sde", "linear-sde-adapt-diff"}) {
            Sampler s = Sampler.named(name).withSteps(4).withTimeShift(shift);
            assertArrayEquals(shift.apply(TimeGrid.uniform(4)), s.grid(), name);
            assertEquals(shift, s.timeShift());
            assertEquals(shift, s.withSteps(6).timeShift(), "kept by withSteps");
        }
        for (String name : new String[] {"vp-sde", "vp-sde-uniform", "linear-sde-adapt-time", "ode-vp-grid"}) {
            Sampler plain = Sampler.named(name).withSteps(4);
            Sampler s = plain.withTimeShift(shift);
            assertArrayEquals(plain.grid(), s.grid(), name);
            assertNull(s.timeShift(), name);
        }
    }
}
