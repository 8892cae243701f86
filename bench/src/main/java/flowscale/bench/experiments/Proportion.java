package flowscale.bench.experiments;

import org.apache.commons.math3.distribution.BetaDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;

import java.util.Locale;

/**
 * A single binomial proportion {@code x / n} (an accuracy: x of n prompts right) with its two-sided confidence
 * intervals.
 *
 * <ul>
 *   <li>Wilson score interval (Wilson 1927; Newcombe 1998, "Two-sided confidence intervals for the single proportion",
 *       method 3; recommended by Brown, Cai and DasGupta 2001):
 *       {@code (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n)}, z the normal quantile. It never leaves [0, 1] and
 *       is not degenerate at 0 or n successes.</li>
 *   <li>Clopper–Pearson "exact" interval (1934): the quantiles {@code Beta(α/2; x, n−x+1)} and
 *       {@code Beta(1−α/2; x+1, n−x)}, with 0 for x = 0 and 1 for x = n. Its coverage is at least the nominal
 *       level, so it is conservative.</li>
 * </ul>
 */
public record Proportion(int successes, int n) {

    /** A closed interval [lower, upper]. */
    public record Interval(double lower, double upper) {
        public boolean contains(double v) {
            return v >= lower && v <= upper;
        }
    }

    public Proportion {
        if (n < 0 || successes < 0 || successes > n) {
            throw new IllegalArgumentException("a proportion needs 0 <= successes <= n, got " + successes + " of " + n);
        }
    }

    /** Counts the 1s of a 0/1 sample (NaN values are an error: the caller drops missing observations). */
    public static Proportion of(double[] zeroOne) {
        int x = 0;
        for (double v : zeroOne) {
            if (v == 1) x++;
            else if (v != 0) throw new IllegalArgumentException("a proportion counts 0/1 values, got " + v);
        }
        return new Proportion(x, zeroOne.length);
    }

    public double estimate() {
        return n == 0 ? Double.NaN : (double) successes / n;
    }

    /** Two-sided Wilson score interval at the given confidence (e.g. 0.95); NaN bounds for n = 0. */
    public Interval wilson(double confidence) {
        if (n == 0) return new Interval(Double.NaN, Double.NaN);
        double z = normalQuantile(confidence), z2 = z * z, p = estimate();
        double centre = p + z2 / (2.0 * n);
        double spread = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        double denominator = 1 + z2 / n;
        double lo = successes == 0 ? 0 : (centre - spread) / denominator;
        double hi = successes == n ? 1 : (centre + spread) / denominator;
        return new Interval(Math.max(0, lo), Math.min(1, hi));
    }

    /** Two-sided Clopper–Pearson interval at the given confidence; NaN bounds for n = 0. */
    public Interval clopperPearson(double confidence) {
        if (n == 0) return new Interval(Double.NaN, Double.NaN);
        double alpha = 1 - confidence;
        double lo = successes == 0 ? 0 : new BetaDistribution(null, successes, n - successes + 1).inverseCumulativeProbability(alpha / 2);
        double hi = successes == n ? 1 : new BetaDistribution(null, successes + 1, n - successes).inverseCumulativeProbability(1 - alpha / 2);
        return new Interval(lo, hi);
    }

    /** {@code 0.750 [0.577, 0.867]} (estimate and Wilson 95 % interval), {@code –} for n = 0. */
    public String formatWilson(int digits) {
        if (n == 0) return "–";
        Interval w = wilson(0.95);
        String f = "%." + digits + "f";
        return String.format(Locale.ROOT, f + " [" + f + ", " + f + "]", estimate(), w.lower(), w.upper());
    }

    /** The two-sided standard normal quantile {@code z_{1−(1−confidence)/2}}. */
    static double normalQuantile(double confidence) {
        if (!(confidence > 0 && confidence < 1)) throw new IllegalArgumentException("confidence must be in (0, 1), got " + confidence);
        return new NormalDistribution(null, 0, 1).inverseCumulativeProbability(1 - (1 - confidence) / 2);
    }
}
