package flowscale.bench.experiments;

import org.apache.commons.math3.distribution.TDistribution;

import java.util.Locale;

/**
 * Mean of a sample with a two-sided 95 % Student-t confidence interval: {@code mean ± t_{0.975, n-1} · sd / sqrt(n)}
 * (sd with n − 1). Over prompts, every prompt one observation. {@code halfWidth} is NaN for fewer than two
 * values (no interval), and {@code mean} is NaN for none. For 0/1 data (accuracy) this is the Wald-type
 * t-interval; it is 0 wide when all prompts agree.
 */
public record MeanInterval(int n, double mean, double halfWidth) {

    public static MeanInterval of(double[] values) {
        int n = values.length;
        if (n == 0) return new MeanInterval(0, Double.NaN, Double.NaN);
        double mean = 0;
        for (double v : values) mean += v;
        mean /= n;
        if (n == 1) return new MeanInterval(1, mean, Double.NaN);
        double ss = 0;
        for (double v : values) ss += (v - mean) * (v - mean);
        double sd = Math.sqrt(ss / (n - 1));
        double t = new TDistribution(n - 1).inverseCumulativeProbability(0.975);
        return new MeanInterval(n, mean, t * sd / Math.sqrt(n));
    }

    /** The interval of the paired differences {@code a[i] − b[i]} (the same seeds or prompts under two settings). */
    public static MeanInterval ofDifferences(double[] a, double[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("paired samples differ in length: " + a.length + " and " + b.length);
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i] - b[i];
        return of(d);
    }

    public double lower() {
        return mean - halfWidth;
    }

    public double upper() {
        return mean + halfWidth;
    }

    /** {@code mean ± half} with {@code digits} decimals; {@code mean (n=1)} without an interval; {@code –} for none. */
    public String format(int digits) {
        if (n == 0) return "–";
        String f = "%." + digits + "f";
        if (Double.isNaN(halfWidth)) return String.format(Locale.ROOT, f + " (n=1)", mean);
        return String.format(Locale.ROOT, f + " ± " + f, mean, halfWidth);
    }
}
