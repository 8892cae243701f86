package flowscale.runtime.flow;

/**
 * The data-end guard of method.md §3.4: at s = 0 the score, the determinant of the VP path and the
 * conversion scale are 0/0, so no coefficient or score is ever evaluated at or below {@link #S_MIN}.
 */
public final class TimeGuard {
    /** Smallest sampling time at which coefficients, scores and velocities may be requested. */
    public static final double S_MIN = 1e-6;

    private TimeGuard() {}

    /** Throws unless {@code S_MIN < s <= 1}. */
    public static double evaluable(double s) {
        if (!(s > S_MIN && s <= 1.0)) {
            throw new IllegalArgumentException("time " + s + " outside (" + S_MIN + ", 1]: coefficients and scores are "
                    + "undefined at the data end; use the Tweedie estimate at the last non-zero grid time");
        }
        return s;
    }

    /** Throws unless {@code 0 <= s <= 1}. */
    public static double inUnitInterval(double s) {
        if (!(s >= 0.0 && s <= 1.0)) throw new IllegalArgumentException("time " + s + " outside [0, 1]");
        return s;
    }
}
