package flowscale.runtime.flow;

/**
 * Decreasing time grids {@code s_0 = 1 > s_1 > ... > s_M = 0} (method.md §4.4). The endpoints are exact.
 */
public final class TimeGrid {
    private TimeGrid() {}

    /** {@code s_i = 1 - i/M}. */
    public static double[] uniform(int m) {
        checkSteps(m);
        double[] g = new double[m + 1];
        for (int i = 0; i <= m; i++) g[i] = (double) (m - i) / m;
        return g;
    }

    /**
     * The paper's App. C / the code's {@code time_schedule: exp}: {@code s_i = sqrt(1 - (i/M)^2)}, small steps
     * near noise, large near data. Computed as {@code sqrt((1 - r)(1 + r))} to keep the last steps accurate.
     */
    public static double[] sqrt(int m) {
        checkSteps(m);
        double[] g = new double[m + 1];
        for (int i = 0; i <= m; i++) {
            double r = (double) i / m;
            g[i] = Math.sqrt((1.0 - r) * (1.0 + r));
        }
        g[0] = 1.0;
        g[m] = 0.0;
        return g;
    }

    /**
     * The source times of a target grid under a conversion: {@code {1, t(s_1), ..., t(s_{M-1}), 0}}. The
     * endpoints stay 1 and 0 so that a sampler on the source path starts from exact noise and ends at data.
     */
    public static double[] converted(double[] targetGrid, PathConversion conversion) {
        int m = targetGrid.length - 1;
        double[] g = new double[m + 1];
        g[0] = 1.0;
        for (int i = 1; i < m; i++) g[i] = conversion.sourceTime(targetGrid[i]);
        g[m] = 0.0;
        return g;
    }

    static void checkSteps(int m) {
        if (m < 1) throw new IllegalArgumentException("number of steps must be >= 1, got " + m);
    }
}
