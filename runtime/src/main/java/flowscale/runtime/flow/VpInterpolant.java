package flowscale.runtime.flow;

/**
 * The variance-preserving interpolant with a linear beta schedule (Song et al. VP-SDE; the reference code's
 * {@code VPScheduler}, method.md §1.3): {@code beta(s) = b + s (B - b)}, {@code T(s) = b s + (B - b) s^2 / 2},
 * {@code alpha = exp(-T/2)}, {@code sigma = sqrt(1 - exp(-T))}. Note {@code alpha(1) = exp(-5.025)}, not 0,
 * and {@code sigmaDot} diverges at s = 0.
 */
public final class VpInterpolant implements Interpolant {
    public static final double DEFAULT_BETA_MIN = 0.1;
    public static final double DEFAULT_BETA_MAX = 20.0;

    private final double betaMin;
    private final double betaMax;

    public VpInterpolant() {
        this(DEFAULT_BETA_MIN, DEFAULT_BETA_MAX);
    }

    public VpInterpolant(double betaMin, double betaMax) {
        if (!(betaMin > 0) || !(betaMax >= betaMin) || Double.isInfinite(betaMax)) {
            throw new IllegalArgumentException("VP schedule needs 0 < betaMin <= betaMax < inf, got "
                    + betaMin + ", " + betaMax);
        }
        this.betaMin = betaMin;
        this.betaMax = betaMax;
    }

    public double betaMin() { return betaMin; }
    public double betaMax() { return betaMax; }

    /** {@code beta(s)}, the instantaneous noise rate. */
    public double beta(double s) {
        return betaMin + s * (betaMax - betaMin);
    }

    /** {@code T(s) = integral_0^s beta}. */
    public double integratedBeta(double s) {
        return betaMin * s + 0.5 * (betaMax - betaMin) * s * s;
    }

    @Override public String name() { return "vp"; }

    @Override
    public double alpha(double s) {
        return Math.exp(-0.5 * integratedBeta(s));
    }

    /** {@code sqrt(-expm1(-T))}: exact to the last bits even where T is tiny (s near 0). */
    @Override
    public double sigma(double s) {
        return Math.sqrt(-Math.expm1(-integratedBeta(s)));
    }

    @Override
    public double alphaDot(double s) {
        return -0.5 * beta(s) * alpha(s);
    }

    /** {@code beta exp(-T) / (2 sigma) = beta alpha^2 / (2 sigma)}; +infinity at s = 0. */
    @Override
    public double sigmaDot(double s) {
        double a = alpha(s);
        return 0.5 * beta(s) * a * a / sigma(s);
    }

    /**
     * Closed form of the code's {@code snr_inverse}: {@code T = log(1 + 1/rho^2)}, then the positive root of
     * {@code (B-b)/2 s^2 + b s - T = 0}, written as {@code 2T / (b + sqrt(b^2 + 2(B-b)T))} to avoid the
     * cancellation of the textbook form for small T.
     */
    @Override
    public double timeForSnr(double rho) {
        double t = Math.log1p(1.0 / (rho * rho));
        return 2.0 * t / (betaMin + Math.sqrt(betaMin * betaMin + 2.0 * (betaMax - betaMin) * t));
    }

    @Override
    public String toString() {
        return "vp(" + betaMin + ".." + betaMax + ")";
    }
}
