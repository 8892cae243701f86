package flowscale.runtime.flow;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** method.md §8 invariant 9: the sqrt grid and the §4.4 reference table (M = 10). */
class TimeGridTest {
    /** i, s_i, alphaBar, sigmaBar, t_s, c_s, tDot, cDot, g = 3 s^2 (method.md §4.4). */
    private static final double[][] TABLE = {
            {0, 1.000000, 0.006572, 0.999978, 0.993471, 1.006550, 0.064865, -0.065284, 3.000000},
            {1, 0.994987, 0.006909, 0.999976, 0.993139, 1.006885, 0.067805, -0.068266, 2.970000},
            {2, 0.979796, 0.008027, 0.999968, 0.992037, 1.007994, 0.077413, -0.078021, 2.880000},
            {3, 0.953939, 0.010307, 0.999947, 0.989798, 1.010254, 0.096364, -0.097331, 2.730000},
            {4, 0.916515, 0.014628, 0.999893, 0.985581, 1.014521, 0.130330, -0.132166, 2.520000},
            {5, 0.866025, 0.022947, 0.999737, 0.977562, 1.022684, 0.190209, -0.194319, 2.250000},
            {6, 0.800000, 0.039796, 0.999208, 0.961698, 1.039003, 0.295514, -0.306067, 1.920000},
            {7, 0.714143, 0.076310, 0.997084, 0.928908, 1.073394, 0.475316, -0.504259, 1.530000},
            {8, 0.600000, 0.161864, 0.986813, 0.859087, 1.148677, 0.748369, -0.814589, 1.080000},
            {9, 0.435890, 0.380205, 0.924902, 0.708679, 1.305107, 1.058785, -0.982325, 0.570000},
    };
    /** Table entries are rounded to 6 decimals. */
    private static final double TOL = 1e-6;

    @Test
    void sqrtGridAndConversionMatchTheReferenceTable() {
        Sampler vpSde = Sampler.named("vp-sde");
        double[] grid = vpSde.grid();
        assertEquals(11, grid.length);
        VpInterpolant vp = new VpInterpolant();
        PathConversion conv = PathConversion.fromLinear(vp);
        for (double[] row : TABLE) {
            int i = (int) row[0];
            double s = grid[i];
            PathConversion.Point p = conv.at(s);
            String at = "row " + i;
            assertEquals(row[1], s, TOL, at);
            assertEquals(row[2], vp.alpha(s), TOL, at);
            assertEquals(row[3], vp.sigma(s), TOL, at);
            assertEquals(row[4], p.t(), TOL, at);
            assertEquals(row[5], p.c(), TOL, at);
            assertEquals(row[6], p.tDot(), TOL, at);
            assertEquals(row[7], p.cDot(), TOL, at);
            assertEquals(row[8], vpSde.diffusion(s), TOL, at);
            assertEquals(row[4], vpSde.modelTime(s), TOL, at);
        }
        assertEquals(0.0, grid[10]);
    }

    @Test
    void gridsRunFromOneToZeroStrictlyDecreasing() {
        for (int m : new int[] {1, 2, 3, 10, 57, 1000}) {
            for (double[] g : new double[][] {TimeGrid.uniform(m), TimeGrid.sqrt(m)}) {
                assertEquals(m + 1, g.length);
                assertEquals(1.0, g[0]);
                assertEquals(0.0, g[m]);
                for (int i = 0; i < m; i++) assertTrue(g[i] > g[i + 1], "m = " + m + " i = " + i);
            }
        }
        assertArrayEquals(new double[] {1.0, 0.75, 0.5, 0.25, 0.0}, TimeGrid.uniform(4));
    }

    @Test
    void convertedGridKeepsExactEndpointsAndMapsInteriorTimes() {
        PathConversion conv = PathConversion.fromLinear(new VpInterpolant());
        double[] s = TimeGrid.sqrt(10);
        double[] t = TimeGrid.converted(s, conv);
        assertEquals(1.0, t[0]);
        assertEquals(0.0, t[10]);
        for (int i = 1; i < 10; i++) assertEquals(TABLE[i][4], t[i], TOL);
        assertArrayEquals(t, Sampler.named("linear-sde-adapt-time").grid());
    }

    @Test
    void gridsNeedAtLeastOneStep() {
        assertThrows(IllegalArgumentException.class, () -> TimeGrid.uniform(0));
        assertThrows(IllegalArgumentException.class, () -> TimeGrid.sqrt(-1));
    }
}
