package flowscale.bench.experiments;

import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Two 0/1 outcomes on the same units (accuracy of configurations a and b on the same prompts), as the paired 2×2
 * table: {@code both} right under both, {@code onlyA} right under a only, {@code onlyB} right under b only,
 * {@code neither}. The difference of the accuracies is {@code (onlyA − onlyB) / n}; only the discordant pairs carry
 * information about it.
 *
 * <ul>
 *   <li>{@link #mcnemarExactP()}: the exact (conditional) McNemar test. Under H0 the onlyA count among the
 *       {@code d = onlyA + onlyB} discordant pairs is Binomial(d, 1/2); the two-sided p-value is
 *       {@code min(1, 2·P(X ≤ min(onlyA, onlyB)))}, and 1 without discordant pairs.</li>
 *   <li>{@link #newcombe(double)}: Newcombe's (1998, "Improved confidence intervals for the difference between
 *       binomial proportions based on paired data", method 10) square-and-add interval from the Wilson intervals
 *       (l1, u1) and (l2, u2) of the two marginal accuracies p1, p2:
 *       {@code L = D − sqrt((p1−l1)² − 2φ(p1−l1)(u2−p2) + (u2−p2)²)},
 *       {@code U = D + sqrt((p2−l2)² − 2φ(p2−l2)(u1−p1) + (u1−p1)²)}, where φ is the phi coefficient of the table
 *       with Newcombe's continuity correction: with {@code A = both·neither − onlyA·onlyB}, φ = (A − n/2)/√(marginals)
 *       if A > n/2, 0 if 0 ≤ A ≤ n/2, A/√(marginals) if A < 0, and 0 when a marginal total is 0.</li>
 *   <li>{@link #minimumDetectableDifference(int, double, double, double)}: the smallest |difference| the test
 *       detects with the given power, from Connor's (1987, Biometrics 43:207–211) sample-size formula for
 *       McNemar's test (a normal approximation).</li>
 * </ul>
 */
public record PairedProportions(int both, int onlyA, int onlyB, int neither) {

    public PairedProportions {
        if (both < 0 || onlyA < 0 || onlyB < 0 || neither < 0) throw new IllegalArgumentException("negative count in a paired table");
    }

    /** The table of two paired 0/1 samples (same length, same order of units). */
    public static PairedProportions of(double[] a, double[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("paired samples differ in length: " + a.length + " and " + b.length);
        int both = 0, onlyA = 0, onlyB = 0, neither = 0;
        for (int i = 0; i < a.length; i++) {
            boolean x = bit(a[i]), y = bit(b[i]);
            if (x && y) both++;
            else if (x) onlyA++;
            else if (y) onlyB++;
            else neither++;
        }
        return new PairedProportions(both, onlyA, onlyB, neither);
    }

    private static boolean bit(double v) {
        if (v == 1) return true;
        if (v == 0) return false;
        throw new IllegalArgumentException("a paired proportion counts 0/1 values, got " + v);
    }

    public int n() {
        return both + onlyA + onlyB + neither;
    }

    public int discordant() {
        return onlyA + onlyB;
    }

    /** Share of discordant pairs, ψ = (onlyA + onlyB) / n. */
    public double discordance() {
        return n() == 0 ? Double.NaN : (double) discordant() / n();
    }

    /** Accuracy of a minus accuracy of b. */
    public double difference() {
        return n() == 0 ? Double.NaN : (double) (onlyA - onlyB) / n();
    }

    /** Two-sided exact McNemar p-value (binomial test of the discordant pairs against 1/2). */
    public double mcnemarExactP() {
        int d = discordant();
        if (d == 0) return 1.0;
        int k = Math.min(onlyA, onlyB);
        // P(X <= k) for X ~ Binomial(d, 1/2), summed in log space so that large d cannot overflow
        double logHalfPowD = d * Math.log(0.5), cdf = 0, logC = 0; // log C(d, 0) = 0
        for (int i = 0; i <= k; i++) {
            if (i > 0) logC += Math.log(d - i + 1) - Math.log(i);
            cdf += Math.exp(logC + logHalfPowD);
        }
        return Math.min(1.0, 2 * cdf);
    }

    /** Newcombe's method-10 interval for the difference of the accuracies (a − b). */
    public Proportion.Interval newcombe(double confidence) {
        int n = n();
        if (n == 0) return new Proportion.Interval(Double.NaN, Double.NaN);
        int x1 = both + onlyA, x2 = both + onlyB;
        double p1 = (double) x1 / n, p2 = (double) x2 / n, diff = p1 - p2;
        Proportion.Interval w1 = new Proportion(x1, n).wilson(confidence), w2 = new Proportion(x2, n).wilson(confidence);
        double phi = phi();
        double dl1 = p1 - w1.lower(), du2 = w2.upper() - p2, dl2 = p2 - w2.lower(), du1 = w1.upper() - p1;
        double lower = diff - Math.sqrt(Math.max(0, dl1 * dl1 - 2 * phi * dl1 * du2 + du2 * du2));
        double upper = diff + Math.sqrt(Math.max(0, dl2 * dl2 - 2 * phi * dl2 * du1 + du1 * du1));
        return new Proportion.Interval(Math.max(-1, lower), Math.min(1, upper));
    }

    /** The continuity-corrected phi coefficient Newcombe's method 10 uses. */
    double phi() {
        long r1 = both + onlyA, r2 = onlyB + neither, c1 = both + onlyB, c2 = onlyA + neither;
        if (r1 == 0 || r2 == 0 || c1 == 0 || c2 == 0) return 0;
        double a = (double) both * neither - (double) onlyA * onlyB, half = n() / 2.0;
        double root = Math.sqrt((double) r1 * r2 * c1 * c2);
        if (a > half) return (a - half) / root;
        if (a >= 0) return 0;
        return a / root;
    }

    /** The minimum detectable difference of this table's size and observed discordance (α two-sided, given power). */
    public double minimumDetectableDifference(double alpha, double power) {
        return minimumDetectableDifference(n(), discordance(), alpha, power);
    }

    /**
     * Connor (1987): McNemar's test with two-sided level α and power 1 − β needs
     * {@code n = (z_{1−α/2}·√ψ + z_{1−β}·√(ψ − δ²))² / δ²} pairs to detect a difference δ = p10 − p01 of paired
     * proportions when a share ψ = p10 + p01 of the pairs is discordant. Solved here for δ given n and ψ (the right-hand
     * side falls strictly as δ grows, so by bisection on (0, ψ]). NaN when n or ψ is 0 or when not even δ = ψ (every
     * discordant pair one way) is detectable at this n.
     */
    public static double minimumDetectableDifference(int n, double psi, double alpha, double power) {
        if (n <= 0 || !(psi > 0) || psi > 1) return Double.NaN;
        if (requiredPairs(psi, psi, alpha, power) > n) return Double.NaN;
        double lo = 0, hi = psi;
        for (int i = 0; i < 200 && hi - lo > 1e-12; i++) {
            double mid = 0.5 * (lo + hi);
            if (requiredPairs(mid, psi, alpha, power) > n) lo = mid;
            else hi = mid;
        }
        return hi;
    }

    /** Connor's (1987) number of pairs (not rounded up) for a difference δ (0 < δ ≤ ψ) at discordance ψ. */
    public static double requiredPairs(double delta, double psi, double alpha, double power) {
        if (!(delta > 0) || delta > psi) throw new IllegalArgumentException("need 0 < delta <= psi, got delta " + delta + ", psi " + psi);
        NormalDistribution z = new NormalDistribution(null, 0, 1);
        double za = z.inverseCumulativeProbability(1 - alpha / 2), zb = z.inverseCumulativeProbability(power);
        double root = za * Math.sqrt(psi) + zb * Math.sqrt(Math.max(0, psi - delta * delta));
        return root * root / (delta * delta);
    }
}
