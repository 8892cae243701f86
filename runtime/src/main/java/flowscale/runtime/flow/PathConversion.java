package flowscale.runtime.flow;

import flowscale.kernels.Tensor;

/**
 * Interpolant conversion (paper Eq. 10-12, method.md §4): the model speaks a {@code source} interpolant at
 * time t; a sampler runs on a {@code target} interpolant at time s. With the same (x0, eps) the two paths
 * coincide up to scale where their signal-to-noise ratios match:
 * {@code t_s = rho_source^-1(rho_target(s))}, {@code c_s = sigma_target(s) / sigma_source(t_s)},
 * {@code xbar_s = c_s x_{t_s}}, and the target velocity is
 * {@code ubar_s(xbar) = (cDot/c) xbar + c tDot u_{t_s}(xbar / c)}.
 *
 * <p>{@link #fromLinear} uses the closed forms of §4.2 (valid for a linear source and any target):
 * {@code t_s = sigma/(alpha+sigma)}, {@code c_s = alpha+sigma}, {@code tDot = (alpha sigmaDot - sigma alphaDot)/(alpha+sigma)^2},
 * {@code cDot = alphaDot + sigmaDot}. {@link #general} uses the §4.1 formulas for any pair.
 * A linear target (or polynomial n = 1) makes the conversion the identity (t_s = s, c = 1).
 */
public final class PathConversion {

    /** The conversion coefficients at one target time s. */
    public record Point(double s, double t, double c, double tDot, double cDot) {
        /** {@code cDot / c}, the coefficient of xbar in the converted velocity. */
        public double selfCoefficient() { return cDot / c; }
        /** {@code c tDot}, the coefficient of the source velocity in the converted velocity. */
        public double velocityCoefficient() { return c * tDot; }
    }

    private final Interpolant source;
    private final Interpolant target;
    private final boolean closedForm;

    private PathConversion(Interpolant source, Interpolant target, boolean closedForm) {
        this.source = source;
        this.target = target;
        this.closedForm = closedForm;
    }

    /** From the models' linear path to {@code target}, with the §4.2 closed forms. */
    public static PathConversion fromLinear(Interpolant target) {
        return new PathConversion(LinearInterpolant.INSTANCE, target, true);
    }

    /** Any source to any target with the general §4.1 formulas. */
    public static PathConversion general(Interpolant source, Interpolant target) {
        return new PathConversion(source, target, false);
    }

    public Interpolant source() { return source; }
    public Interpolant target() { return target; }

    /** Conversion coefficients at target time {@code s}, {@code S_MIN < s <= 1}. */
    public Point at(double s) {
        TimeGuard.evaluable(s);
        double a = target.alpha(s), sg = target.sigma(s), ad = target.alphaDot(s), sd = target.sigmaDot(s);
        if (closedForm) {
            double c = a + sg;
            return new Point(s, sg / c, c, (a * sd - sg * ad) / (c * c), ad + sd);
        }
        double t = source.timeForSnr(a / sg);
        double ps = source.sigma(t), pa = source.alpha(t), pad = source.alphaDot(t), psd = source.sigmaDot(t);
        double c = sg / ps;
        double tDot = ps * ps * (sg * ad - a * sd) / (sg * sg * (ps * pad - pa * psd));
        double cDot = (ps * sd - sg * psd * tDot) / (ps * ps);
        return new Point(s, t, c, tDot, cDot);
    }

    /** Source time {@code t_s}. */
    public double sourceTime(double s) { return at(s).t(); }

    /** Scale {@code c_s}. */
    public double scale(double s) { return at(s).c(); }

    /** The latent the model sees: {@code out = xbar / c_s}. */
    public void sourceInput(float[] xbar, Point p, float[] out) {
        double inv = 1.0 / p.c();
        int n = xbar.length;
        for (int k = 0; k < n; k++) out[k] = (float) (xbar[k] * inv);
    }

    /** {@link #sourceInput(float[], Point, float[])} on backend rows ({@code out} may be {@code xbar}), bit for bit on a host backend. */
    public void sourceInput(Tensor xbar, Point p, Tensor out) {
        out.backend().combine(1.0 / p.c(), xbar, 0.0, null, 0.0, null, out);
    }

    /** {@link #targetVelocity(float[], float[], Point, float[])} on backend rows, bit for bit on a host backend. */
    public void targetVelocity(Tensor xbar, Tensor uSource, Point p, Tensor out) {
        out.backend().combine(p.selfCoefficient(), xbar, p.velocityCoefficient(), uSource, 0.0, null, out);
    }

    /** {@code out = (cDot/c) xbar + c tDot uSource}, uSource the source velocity at {@code (xbar/c, t_s)}. */
    public void targetVelocity(float[] xbar, float[] uSource, Point p, float[] out) {
        Conversions.combine(p.selfCoefficient(), xbar, p.velocityCoefficient(), uSource, out);
    }

    /** Scalar form of {@link #targetVelocity(float[], float[], Point, float[])}. */
    public static double targetVelocity(double xbar, double uSource, Point p) {
        return p.selfCoefficient() * xbar + p.velocityCoefficient() * uSource;
    }

    @Override
    public String toString() {
        return source.name() + "->" + target.name();
    }
}
