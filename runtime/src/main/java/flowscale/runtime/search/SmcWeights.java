package flowscale.runtime.search;

import java.util.Arrays;

/**
 * Importance weights of SMC particles, kept as logarithms: potential exp(r / λ) at the first evaluation,
 * then exp((r − r_parent) / λ) multiplied in after every step (method.md §5.3). A particle whose reward
 * was ever non-finite has weight 0 for good and is never drawn as an ancestor.
 */
final class SmcWeights {
    private final double[] logW;
    private final double[] w;
    private final double lambda;

    SmcWeights(int n, double lambda) {
        if (!(lambda > 0) || Double.isInfinite(lambda)) throw new IllegalArgumentException("temperature must be > 0, got " + lambda);
        this.logW = new double[n];
        this.w = new double[n];
        this.lambda = lambda;
    }

    int size() {
        return logW.length;
    }

    /** Weights from the first rewards: log w = r / λ. */
    void start(double[] r) {
        for (int i = 0; i < logW.length; i++) {
            logW[i] = r[i] == Double.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY : r[i] / lambda;
        }
    }

    /** Multiplies in exp((r − rParent) / λ). */
    void update(double[] rParent, double[] r) {
        for (int i = 0; i < logW.length; i++) {
            if (logW[i] == Double.NEGATIVE_INFINITY || r[i] == Double.NEGATIVE_INFINITY || rParent[i] == Double.NEGATIVE_INFINITY) {
                logW[i] = Double.NEGATIVE_INFINITY;
            } else {
                logW[i] += (r[i] - rParent[i]) / lambda;
            }
        }
    }

    /** Weights scaled so that the largest is 1 (all 0 when every particle is dead). */
    double[] relative() {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logW) max = Math.max(max, l);
        for (int i = 0; i < w.length; i++) {
            w[i] = max == Double.NEGATIVE_INFINITY ? 0 : Math.exp(logW[i] - max);
        }
        return w;
    }

    /** Effective sample size (Σw)² / Σw², in [1, N]; 0 when every weight is 0. */
    double ess() {
        double[] v = relative();
        double sum = 0, sq = 0;
        for (double x : v) {
            sum += x;
            sq += x * x;
        }
        return sq == 0 ? 0 : sum * sum / sq;
    }

    /** Weight of particle i relative to the largest. */
    double relativeWeight(int i) {
        return relative()[i];
    }

    /**
     * Multinomial resampling: slot i takes ancestor F^{-1}(uniforms[i]) of the normalised weights; all
     * weights become 1. Requires at least one positive weight.
     */
    int[] resample(double[] uniforms) {
        int[] a = ancestors(relative(), uniforms);
        Arrays.fill(logW, 0.0);
        return a;
    }

    /** Inverse-CDF draws: ancestor of slot i is the first j whose cumulative weight exceeds u_i · Σw. */
    static int[] ancestors(double[] weights, double[] uniforms) {
        int n = weights.length;
        double[] cum = new double[n];
        double total = 0;
        int lastPositive = -1;
        for (int i = 0; i < n; i++) {
            if (!(weights[i] >= 0) || Double.isInfinite(weights[i])) throw new IllegalArgumentException("bad weight " + weights[i]);
            total += weights[i];
            cum[i] = total;
            if (weights[i] > 0) lastPositive = i;
        }
        if (lastPositive < 0) throw new IllegalArgumentException("all weights are zero");
        int[] a = new int[uniforms.length];
        for (int i = 0; i < uniforms.length; i++) {
            double target = uniforms[i] * total;
            int lo = 0, hi = n - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cum[mid] > target) hi = mid;
                else lo = mid + 1;
            }
            a[i] = cum[lo] > target ? lo : lastPositive;
        }
        return a;
    }
}
