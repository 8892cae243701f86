package flowscale.bench.experiments;

import org.apache.commons.math3.distribution.NormalDistribution;

import java.util.Arrays;

/**
 * Wilcoxon's signed-rank test of paired samples (two-sided, H0: the differences a − b are symmetric about 0).
 *
 * <p>Zero differences are dropped (Wilcoxon's convention, as R's {@code wilcox.test}); the remaining n absolute
 * differences are ranked with mid-ranks for ties, and the statistic is T+ = the sum of the ranks of the positive
 * differences. Without ties and for n ≤ {@value #EXACT_MAX_N} the p-value comes from the exact null distribution
 * of T+ (every sign pattern equally likely: 2^n patterns, counted by the subset-sum recursion), as
 * {@code min(1, 2·min(P(T+ ≤ t), P(T+ ≥ t)))}. Otherwise the normal approximation with the tie correction
 * (Hollander and Wolfe): mean n(n+1)/4, variance n(n+1)(2n+1)/24 − Σ(t³ − t)/48 over tie groups of size t,
 * and a continuity correction of 0.5 towards the mean. With no nonzero difference the p-value is 1.
 *
 * @param n       nonzero differences used
 * @param tPlus   sum of the ranks of the positive differences
 * @param p       two-sided p-value
 * @param exact   whether the exact distribution was used
 */
public record SignedRank(int n, double tPlus, double p, boolean exact) {
    static final int EXACT_MAX_N = 50;

    public static SignedRank test(double[] a, double[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("paired samples differ in length: " + a.length + " and " + b.length);
        int n = 0;
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double v = a[i] - b[i];
            if (Double.isNaN(v)) throw new IllegalArgumentException("a paired difference is NaN at " + i);
            if (v != 0) d[n++] = v;
        }
        if (n == 0) return new SignedRank(0, 0, 1.0, true);
        d = Arrays.copyOf(d, n);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        final double[] dd = d;
        Arrays.sort(order, (x, y) -> Double.compare(Math.abs(dd[x]), Math.abs(dd[y])));
        double[] rank = new double[n];
        double tieSum = 0;
        boolean ties = false;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && Math.abs(d[order[j + 1]]) == Math.abs(d[order[i]])) j++;
            double mid = (i + j) / 2.0 + 1; // ranks i+1 .. j+1
            for (int k = i; k <= j; k++) rank[order[k]] = mid;
            int t = j - i + 1;
            if (t > 1) {
                ties = true;
                tieSum += (double) t * t * t - t;
            }
            i = j + 1;
        }
        double tPlus = 0;
        for (int i = 0; i < n; i++) if (d[i] > 0) tPlus += rank[i];
        if (!ties && n <= EXACT_MAX_N) return new SignedRank(n, tPlus, exactP(n, (int) Math.round(tPlus)), true);
        double mean = n * (n + 1) / 4.0;
        double variance = n * (n + 1.0) * (2 * n + 1) / 24.0 - tieSum / 48.0;
        if (!(variance > 0)) return new SignedRank(n, tPlus, 1.0, false);
        double diff = tPlus - mean;
        double z = (diff - Math.signum(diff) * 0.5) / Math.sqrt(variance);
        NormalDistribution normal = new NormalDistribution(null, 0, 1);
        double p = 2 * Math.min(normal.cumulativeProbability(z), 1 - normal.cumulativeProbability(z));
        return new SignedRank(n, tPlus, Math.min(1.0, p), false);
    }

    /** Exact two-sided p-value of T+ = t for n untied nonzero differences. */
    static double exactP(int n, int t) {
        int max = n * (n + 1) / 2;
        // count[s] = number of subsets of {1..n} with rank sum s, scaled by 2^-n step by step to stay in range
        double[] count = new double[max + 1];
        count[0] = 1;
        for (int r = 1; r <= n; r++) {
            for (int s = max; s >= 0; s--) {
                double with = s >= r ? count[s - r] : 0;
                count[s] = 0.5 * (count[s] + with);
            }
        }
        double lower = 0, upper = 0;
        for (int s = 0; s <= max; s++) {
            if (s <= t) lower += count[s];
            if (s >= t) upper += count[s];
        }
        return Math.min(1.0, 2 * Math.min(lower, upper));
    }
}
