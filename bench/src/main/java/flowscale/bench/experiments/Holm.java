package flowscale.bench.experiments;

import java.util.Arrays;

/**
 * Holm's (1979) step-down correction of a family of p-values for the family-wise error rate: sort the m p-values
 * ascending, multiply the i-th smallest (1-based) by m − i + 1, cap at 1 and make the sequence non-decreasing
 * (an adjusted p-value is the largest of its own and those before it). A hypothesis is rejected at level α iff its
 * adjusted p-value is ≤ α, which is Holm's sequential procedure. NaN p-values (no test) stay NaN and do not count in m.
 */
public final class Holm {
    private Holm() {}

    public static double[] adjust(double[] p) {
        int m = 0;
        for (double v : p) {
            if (!Double.isNaN(v)) {
                if (v < 0 || v > 1) throw new IllegalArgumentException("a p-value must be in [0, 1], got " + v);
                m++;
            }
        }
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < p.length; i++) order[i] = i;
        Arrays.sort(order, (x, y) -> {
            boolean nx = Double.isNaN(p[x]), ny = Double.isNaN(p[y]);
            if (nx || ny) return Boolean.compare(nx, ny);
            return Double.compare(p[x], p[y]);
        });
        double[] adjusted = new double[p.length];
        Arrays.fill(adjusted, Double.NaN);
        double running = 0;
        for (int i = 0; i < m; i++) {
            int idx = order[i];
            running = Math.max(running, Math.min(1.0, (m - i) * p[idx]));
            adjusted[idx] = running;
        }
        return adjusted;
    }
}
