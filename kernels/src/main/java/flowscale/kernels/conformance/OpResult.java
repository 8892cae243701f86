package flowscale.kernels.conformance;

/**
 * One row of a conformance report: how one op of a candidate backend compared with the reference.
 *
 * @param op         the {@link flowscale.kernels.Backend} method name (e.g. {@code gemm})
 * @param shapes     number of cases (shape, layout and argument combinations) that ran
 * @param worstError the largest {@linkplain ErrorMetric relative error} over those cases
 *                   ({@code +Infinity} when a NaN or infinity appeared where the reference has none)
 * @param tolerance  the op's bound from {@link Tolerances}
 * @param ok         every case ran and stayed within the tolerance
 * @param detail     the worst case's description, or why the op failed (exception, NaN)
 */
public record OpResult(String op, int shapes, double worstError, double tolerance, boolean ok, String detail) {
}
