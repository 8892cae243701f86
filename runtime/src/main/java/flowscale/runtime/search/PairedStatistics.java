package flowscale.runtime.search;

import org.apache.commons.math3.distribution.TDistribution;

/** Mean and two-sided 95 % Student-t confidence half-width of a sample (e.g. of paired differences). */
public record PairedStatistics(int n, double mean, double halfWidth95) {

    public static PairedStatistics of(double[] values) {
        int n = values.length;
        if (n < 2) throw new IllegalArgumentException("need at least 2 values, got " + n);
        double mean = 0;
        for (double v : values) mean += v;
        mean /= n;
        double ss = 0;
        for (double v : values) ss += (v - mean) * (v - mean);
        double sd = Math.sqrt(ss / (n - 1));
        double t = new TDistribution(n - 1).inverseCumulativeProbability(0.975);
        return new PairedStatistics(n, mean, t * sd / Math.sqrt(n));
    }

    /** Element-wise {@code a[i] − b[i]}. */
    public static double[] differences(double[] a, double[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("paired samples differ in length");
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i] - b[i];
        return d;
    }

    public double lower() {
        return mean - halfWidth95;
    }

    public double upper() {
        return mean + halfWidth95;
    }

    @Override
    public String toString() {
        return String.format("%.4f ± %.4f", mean, halfWidth95);
    }
}
