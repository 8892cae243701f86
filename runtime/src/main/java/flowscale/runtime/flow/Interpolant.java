package flowscale.runtime.flow;

/**
 * A stochastic interpolant {@code x_t = alpha(t) x0 + sigma(t) eps} between data {@code x0} (t = 0) and
 * standard normal noise {@code eps} (t = 1), with exact time derivatives (method.md §1.1).
 * Requirements: {@code alpha(0) = sigma(1) = 1}, {@code alpha(1) = sigma(0) = 0} (VP only approximately
 * at t = 1), {@code alphaDot < 0}, {@code sigmaDot > 0}.
 */
public interface Interpolant {

    /** Short name for traces, e.g. {@code linear}, {@code vp}. */
    String name();

    double alpha(double t);

    double sigma(double t);

    double alphaDot(double t);

    double sigmaDot(double t);

    /** The time t with {@code alpha(t)/sigma(t) = rho} (inverse of the signal-to-noise ratio), rho >= 0. */
    double timeForSnr(double rho);

    /** Signal-to-noise ratio {@code rho(t) = alpha/sigma}. */
    default double snr(double t) {
        return alpha(t) / sigma(t);
    }

    /** {@code log(alpha^2 / sigma^2)}, the quantity plotted in the paper's Fig. 4. */
    default double logSnr(double t) {
        double a = alpha(t), s = sigma(t);
        return 2.0 * (Math.log(a) - Math.log(s));
    }

    /**
     * {@code D = alphaDot sigma - sigmaDot alpha}, the determinant of the map (x0, eps) -> (x, u);
     * never zero for a valid interpolant, it is the denominator of every conversion of method.md §2.
     */
    default double determinant(double t) {
        return alphaDot(t) * sigma(t) - sigmaDot(t) * alpha(t);
    }
}
