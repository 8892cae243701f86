package flowscale.kernels.training;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Central finite differences of the scalar loss {@code L = sum_k dy[k] * f(inputs)[k]} in double, and the
 * comparison of an analytic gradient with them.
 *
 * <p>The difference {@code L(x + h e_i) - L(x - h e_i)} is formed output by output before the sum, so
 * outputs the perturbation does not touch cancel exactly and the round-off stays near
 * {@code 1e-16 * |f| / h ~ 1e-10} even for large losses; the truncation error is {@code O(h^2) ~ 1e-12}.
 */
final class FiniteDifference {
    /** The step, as the task prescribes: small enough for O(h^2) to vanish, large enough for round-off. */
    static final double H = 1e-6;

    private FiniteDifference() {}

    /** dL / d inputs[which], by central differences. */
    static double[] gradient(double[][] inputs, int which, double[] dy, Function<double[][], double[]> f) {
        double[] x = inputs[which];
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double keep = x[i];
            x[i] = keep + H;
            double[] plus = f.apply(inputs);
            x[i] = keep - H;
            double[] minus = f.apply(inputs);
            x[i] = keep;
            double diff = 0.0;
            for (int k = 0; k < dy.length; k++) diff += dy[k] * (plus[k] - minus[k]);
            g[i] = diff / (2.0 * H);
        }
        return g;
    }

    /**
     * Fails unless {@code |analytic_i - fd_i| <= tol * max(|fd_i|, 1e-3 * max_k |fd_k|)} for every i: relative
     * per element, with a floor so that elements near zero (where the finite difference's absolute error
     * dominates) are judged against the gradient's scale.
     */
    static void assertClose(String what, float[] analytic, double[] fd, double tol) {
        if (analytic.length != fd.length) fail(what + ": " + analytic.length + " analytic vs " + fd.length + " numeric");
        double scale = 0.0;
        for (double v : fd) scale = Math.max(scale, Math.abs(v));
        if (!(scale > 0.0)) fail(what + ": the numeric gradient is zero everywhere, so the check proves nothing");
        for (int i = 0; i < fd.length; i++) {
            double err = Math.abs(analytic[i] - fd[i]) / Math.max(Math.abs(fd[i]), 1e-3 * scale);
            if (!(err <= tol)) {
                fail(what + ": element " + i + " analytic " + analytic[i] + " vs finite difference " + fd[i]
                        + " (relative error " + err + " > " + tol + ")");
            }
        }
    }

    static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
