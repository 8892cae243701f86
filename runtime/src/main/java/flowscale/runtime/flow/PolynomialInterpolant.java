package flowscale.runtime.flow;

/**
 * The reference code's {@code PolynomialConvexScheduler(n)}: {@code alpha = (1-t)^n}, {@code sigma = 1 - (1-t)^n}
 * (method.md §1.4). With n = 1 it is exactly the linear interpolant, which makes a conversion to it the identity.
 */
public final class PolynomialInterpolant implements Interpolant {
    private final double n;

    public PolynomialInterpolant(double n) {
        if (!(n > 0) || Double.isInfinite(n)) throw new IllegalArgumentException("polynomial degree must be > 0, got " + n);
        this.n = n;
    }

    public double degree() { return n; }

    @Override public String name() { return "polynomial(" + n + ")"; }
    @Override public double alpha(double t) { return Math.pow(1.0 - t, n); }
    @Override public double sigma(double t) { return 1.0 - Math.pow(1.0 - t, n); }
    @Override public double alphaDot(double t) { return -n * Math.pow(1.0 - t, n - 1.0); }
    @Override public double sigmaDot(double t) { return n * Math.pow(1.0 - t, n - 1.0); }

    /** {@code (1-t)^n = rho/(1+rho)}. */
    @Override
    public double timeForSnr(double rho) {
        return 1.0 - Math.pow(rho / (1.0 + rho), 1.0 / n);
    }

    @Override
    public String toString() {
        return name();
    }
}
