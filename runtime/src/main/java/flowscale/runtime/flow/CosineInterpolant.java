package flowscale.runtime.flow;

/** {@code alpha = cos(pi t / 2)}, {@code sigma = sin(pi t / 2)} (the reference code's {@code CosineScheduler}). */
public final class CosineInterpolant implements Interpolant {
    public static final CosineInterpolant INSTANCE = new CosineInterpolant();
    private static final double HALF_PI = 0.5 * Math.PI;

    private CosineInterpolant() {}

    @Override public String name() { return "cosine"; }
    @Override public double alpha(double t) { return Math.cos(HALF_PI * t); }
    @Override public double sigma(double t) { return Math.sin(HALF_PI * t); }
    @Override public double alphaDot(double t) { return -HALF_PI * Math.sin(HALF_PI * t); }
    @Override public double sigmaDot(double t) { return HALF_PI * Math.cos(HALF_PI * t); }

    /** {@code cot(pi t/2) = rho  =>  t = (2/pi) atan2(1, rho)} (well defined at rho = 0). */
    @Override
    public double timeForSnr(double rho) {
        return Math.atan2(1.0, rho) / HALF_PI;
    }

    @Override
    public String toString() {
        return name();
    }
}
