package flowscale.runtime.flow;

/**
 * The rectified-flow (CondOT) interpolant {@code x_t = (1-t) x0 + t eps} that the velocity models speak,
 * so {@code u = eps - x0} (method.md §1.2).
 */
public final class LinearInterpolant implements Interpolant {
    public static final LinearInterpolant INSTANCE = new LinearInterpolant();

    private LinearInterpolant() {}

    @Override public String name() { return "linear"; }
    @Override public double alpha(double t) { return 1.0 - t; }
    @Override public double sigma(double t) { return t; }
    @Override public double alphaDot(double t) { return -1.0; }
    @Override public double sigmaDot(double t) { return 1.0; }

    /** {@code (1-t)/t = rho  =>  t = 1/(1+rho)}. */
    @Override
    public double timeForSnr(double rho) {
        return 1.0 / (1.0 + rho);
    }

    @Override
    public String toString() {
        return name();
    }
}
