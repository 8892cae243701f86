package flowscale.runtime.flow;

import flowscale.kernels.Tensor;

/**
 * Exact conversions between velocity, score, noise prediction and clean-sample (Tweedie) prediction for any
 * interpolant {@code x = alpha x0 + sigma eps}, {@code u = alphaDot x0 + sigmaDot eps} (method.md §2).
 *
 * <p>All of them are linear in their two vector arguments, so each is written as
 * {@code out = a * first + b * second} with scalar coefficients computed once in double. The forms that need
 * {@code D = alphaDot sigma - sigmaDot alpha} never divide by alpha, so they hold at the noise end of the linear
 * path; those that must divide by sigma (score) or alpha (from-noise, from-score) reject the singular end with an
 * {@link IllegalArgumentException} instead of returning infinities. Array forms may write in place (out may be
 * one of the inputs).
 */
public final class Conversions {
    private Conversions() {}

    // ---- scalar forms ----

    /** Tweedie / clean-sample prediction {@code (sigma u - sigmaDot x) / D}. */
    public static double clean(Interpolant p, double t, double x, double u) {
        return (p.sigma(t) * u - p.sigmaDot(t) * x) / p.determinant(t);
    }

    /** Noise prediction {@code (alphaDot x - alpha u) / D}. */
    public static double noise(Interpolant p, double t, double x, double u) {
        return (p.alphaDot(t) * x - p.alpha(t) * u) / p.determinant(t);
    }

    /** Score {@code (alpha u - alphaDot x) / (sigma D)} (paper Eq. 8); needs sigma > 0. */
    public static double score(Interpolant p, double t, double x, double u) {
        double s = positiveSigma(p, t);
        return (p.alpha(t) * u - p.alphaDot(t) * x) / (s * p.determinant(t));
    }

    /** {@code u = alphaDot x0 + sigmaDot (x - alpha x0)/sigma}; needs sigma > 0. */
    public static double velocityFromClean(Interpolant p, double t, double x, double x0) {
        double s = positiveSigma(p, t);
        return p.alphaDot(t) * x0 + p.sigmaDot(t) * (x - p.alpha(t) * x0) / s;
    }

    /** {@code u = alphaDot (x - sigma eps)/alpha + sigmaDot eps}; needs alpha > 0. */
    public static double velocityFromNoise(Interpolant p, double t, double x, double eps) {
        double a = positiveAlpha(p, t);
        return p.alphaDot(t) * (x - p.sigma(t) * eps) / a + p.sigmaDot(t) * eps;
    }

    /** {@code u = (alphaDot/alpha) x - (sigma sigmaDot - sigma^2 alphaDot/alpha) score} (paper Eq. 26); needs alpha > 0. */
    public static double velocityFromScore(Interpolant p, double t, double x, double score) {
        double a = positiveAlpha(p, t), s = p.sigma(t), ad = p.alphaDot(t);
        return ad / a * x - (s * p.sigmaDot(t) - s * s * ad / a) * score;
    }

    /** Tweedie's formula {@code x0hat = (x + sigma^2 score) / alpha}; needs alpha > 0. */
    public static double cleanFromScore(Interpolant p, double t, double x, double score) {
        double a = positiveAlpha(p, t), s = p.sigma(t);
        return (x + s * s * score) / a;
    }

    // ---- array forms (element-wise; out may alias an input) ----

    public static void clean(Interpolant p, double t, float[] x, float[] u, float[] out) {
        double d = p.determinant(t);
        combine(-p.sigmaDot(t) / d, x, p.sigma(t) / d, u, out);
    }

    /**
     * {@link #clean(Interpolant, double, float[], float[], float[])} on backend tensors: the same double coefficients,
     * combined by the backend ({@link flowscale.kernels.Backend#combine}), bit for bit the array form on a host backend.
     */
    public static void clean(Interpolant p, double t, Tensor x, Tensor u, Tensor out) {
        double d = p.determinant(t);
        out.backend().combine(-p.sigmaDot(t) / d, x, p.sigma(t) / d, u, 0.0, null, out);
    }

    public static void noise(Interpolant p, double t, float[] x, float[] u, float[] out) {
        double d = p.determinant(t);
        combine(p.alphaDot(t) / d, x, -p.alpha(t) / d, u, out);
    }

    public static void score(Interpolant p, double t, float[] x, float[] u, float[] out) {
        double sd = positiveSigma(p, t) * p.determinant(t);
        combine(-p.alphaDot(t) / sd, x, p.alpha(t) / sd, u, out);
    }

    public static void velocityFromClean(Interpolant p, double t, float[] x, float[] x0, float[] out) {
        double s = positiveSigma(p, t), r = p.sigmaDot(t) / s;
        combine(r, x, p.alphaDot(t) - r * p.alpha(t), x0, out);
    }

    public static void velocityFromNoise(Interpolant p, double t, float[] x, float[] eps, float[] out) {
        double k = p.alphaDot(t) / positiveAlpha(p, t);
        combine(k, x, p.sigmaDot(t) - k * p.sigma(t), eps, out);
    }

    public static void velocityFromScore(Interpolant p, double t, float[] x, float[] score, float[] out) {
        double a = positiveAlpha(p, t), s = p.sigma(t), ad = p.alphaDot(t);
        combine(ad / a, x, -(s * p.sigmaDot(t) - s * s * ad / a), score, out);
    }

    public static void cleanFromScore(Interpolant p, double t, float[] x, float[] score, float[] out) {
        double a = positiveAlpha(p, t), s = p.sigma(t);
        combine(1.0 / a, x, s * s / a, score, out);
    }

    /** {@code out[k] = a x[k] + b y[k]} in double, rounded once to float. */
    static void combine(double a, float[] x, double b, float[] y, float[] out) {
        int n = x.length;
        if (y.length < n || out.length < n) {
            throw new IllegalArgumentException("array lengths differ: " + n + ", " + y.length + ", " + out.length);
        }
        for (int k = 0; k < n; k++) {
            out[k] = (float) (a * x[k] + b * y[k]);
        }
    }

    private static double positiveSigma(Interpolant p, double t) {
        double s = p.sigma(t);
        if (!(s > 0)) throw new IllegalArgumentException(p.name() + ": sigma(" + t + ") = " + s + ", the score is undefined at the data end");
        return s;
    }

    private static double positiveAlpha(Interpolant p, double t) {
        double a = p.alpha(t);
        if (!(a > 0)) throw new IllegalArgumentException(p.name() + ": alpha(" + t + ") = " + a + ", undefined at the noise end");
        return a;
    }
}
