package flowscale.kernels.conformance;

/**
 * The error measure of the suite: for one case with reference output {@code r} and candidate output
 * {@code c}, {@code max_i |c_i - r_i| / max(1, max_i |r_i|)}.
 *
 * <p>Why this one: a maximum over elements catches a single wrong element (a mishandled vector tail, one
 * bad row of a strided view), which a norm-wise error {@code ||c - r|| / ||r||} would dilute by the square
 * root of the output size. Dividing by the largest reference magnitude makes it relative for outputs of
 * any scale (GEMM outputs grow with K), and the floor of 1 keeps outputs that are near zero everywhere
 * from turning round-off into a large ratio.
 *
 * <p>Non-finite values: a NaN (or infinity) in the candidate where the reference has a finite value, or
 * the other way round, is an error of {@code +Infinity}; identical non-finite values are no error. For
 * exact ops (tolerance 0) a difference in the bit pattern alone (e.g. -0.0 against 0.0) also counts.
 */
final class ErrorMetric {
    private ErrorMetric() {}

    /** The comparison of one case: the error and, when something is wrong, where. */
    record Outcome(double error, String problem) {}

    static Outcome compare(float[] ref, float[] cand, boolean bitExact) {
        if (ref.length != cand.length) {
            return new Outcome(Double.POSITIVE_INFINITY, "output lengths differ: " + ref.length + " vs " + cand.length);
        }
        double scale = 1.0;
        for (float r : ref) {
            if (Float.isFinite(r)) scale = Math.max(scale, Math.abs(r));
        }
        double worst = 0.0;
        int worstIndex = -1;
        for (int i = 0; i < ref.length; i++) {
            float r = ref[i], c = cand[i];
            if (!Float.isFinite(r) || !Float.isFinite(c)) {
                if (Float.floatToIntBits(r) != Float.floatToIntBits(c)) {
                    return new Outcome(Double.POSITIVE_INFINITY, "element " + i + " is " + c + " where the reference has " + r
                            + (Float.isNaN(c) ? " (NaN where none expected)" : ""));
                }
                continue;
            }
            double e = Math.abs((double) c - r) / scale;
            if (e == 0.0 && bitExact && Float.floatToRawIntBits(r) != Float.floatToRawIntBits(c)) {
                e = Double.MIN_VALUE;
            }
            if (e > worst) {
                worst = e;
                worstIndex = i;
            }
        }
        return new Outcome(worst, worstIndex < 0 ? null
                : "element " + worstIndex + ": " + cand[worstIndex] + " vs reference " + ref[worstIndex]);
    }

    static Outcome compare(double ref, double cand) {
        if (!Double.isFinite(ref) || !Double.isFinite(cand)) {
            if (Double.doubleToLongBits(ref) != Double.doubleToLongBits(cand)) {
                return new Outcome(Double.POSITIVE_INFINITY, cand + " where the reference has " + ref);
            }
            return new Outcome(0.0, null);
        }
        double e = Math.abs(cand - ref) / Math.max(1.0, Math.abs(ref));
        return new Outcome(e, e == 0.0 ? null : cand + " vs reference " + ref);
    }
}
