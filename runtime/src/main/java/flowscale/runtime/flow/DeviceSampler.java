package flowscale.runtime.flow;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DeviceBuffers;
import flowscale.runtime.model.VelocityModel;

/**
 * A {@link Sampler}'s model outputs, clean estimates and steps for particles held in backend tensors on the model's
 * device ({@link VelocityModel#device()}): rows of {@code [n, dim]} matrices. The arithmetic is the sampler's host
 * arithmetic, term for term, with the same double coefficients, done by {@link Backend#combine}; on a host backend
 * ({@code cpu}) every float is the one the host methods give, on a device within the conformance tolerance of
 * {@code combine}. Nothing crosses to the host here: what a caller downloads (the estimates a reward reads) is its choice.
 *
 * <p>Rows that share a time are converted and estimated in one op. Scratch rows come from the model's
 * {@link DeviceBuffers} (a search's own set when searches share model calls); one search per sampler.
 */
public final class DeviceSampler {
    private final Sampler sampler;
    private final VelocityModel model;
    private final DeviceBuffers device;
    private final Backend backend;
    private final Estimate estimate;
    private double[] t = new double[0], d = new double[0], pairS = new double[0], pairD = new double[0];
    private Condition[] pairCond = new Condition[0];

    public DeviceSampler(Sampler sampler, VelocityModel model) {
        this.device = model.device();
        if (device == null) throw new IllegalArgumentException(model.getClass().getSimpleName() + " has no device path");
        this.sampler = sampler;
        this.model = model;
        this.backend = device.backend();
        this.estimate = sampler.estimate().resolve(model);
    }

    public Backend backend() {
        return backend;
    }

    /** {@link Sampler#evaluate} on rows {@code [0, n)} of {@code x} into those of {@code u}: one batched model call. */
    public void evaluate(int n, Tensor x, double[] s, double[] sNext, Condition[] cond, Tensor u) {
        if (estimate != Estimate.SCHNELL) {
            output(n, x, s, null, cond, u);
            return;
        }
        double[] steps = grow(d, n);
        d = steps;
        for (int i = 0; i < n; i++) steps[i] = sampler.stepSize(s[i], sNext[i]);
        output(n, x, s, steps, cond, u);
    }

    /**
     * {@link Sampler#estimate} on rows: {@code u} as {@link #evaluate}, and {@code x0} the clean estimates (Tweedie, or a
     * faithful one-step jump from a second output in the same call of 2n latents).
     */
    public void estimate(int n, Tensor x, double[] s, double[] sNext, Condition[] cond, Tensor u, Tensor x0) {
        if (estimate != Estimate.FAITHFUL) {
            evaluate(n, x, s, sNext, cond, u);
            tweedie(n, x, u, s, x0);
            return;
        }
        Tensor pairX = device.rows("sampler.pairX", 2 * n), pairOut = device.rows("sampler.pairOut", 2 * n);
        backend.copy(x.rowRange(0, n), pairX.rowRange(0, n));
        backend.copy(x.rowRange(0, n), pairX.rowRange(n, n));
        pairS = grow(pairS, 2 * n);
        pairD = grow(pairD, 2 * n);
        if (pairCond.length < 2 * n) pairCond = new Condition[2 * n];
        for (int i = 0; i < n; i++) {
            pairS[i] = s[i];
            pairS[n + i] = s[i];
            pairD[i] = 0.0;
            pairD[n + i] = sampler.modelTime(s[i]);
            pairCond[i] = cond == null ? null : cond[i];
            pairCond[n + i] = pairCond[i];
        }
        output(2 * n, pairX, pairS, pairD, cond == null ? null : pairCond, pairOut);
        backend.copy(pairOut.rowRange(0, n), u.rowRange(0, n));
        // the jump's output on the sampling path, through the same Tweedie formula: x/c - t s(x/c, t, t)
        tweedie(n, x, pairOut.rowRange(n, n), s, x0);
        java.util.Arrays.fill(pairCond, 0, 2 * n, null);
    }

    /** {@link Sampler#tweedie} of rows {@code [0, n)}, each at its own time. */
    public void tweedie(int n, Tensor x, Tensor u, double[] s, Tensor x0) {
        for (int from = 0, to; from < n; from = to) {
            to = runEnd(s, from, n);
            TimeGuard.evaluable(s[from]);
            Conversions.clean(sampler.path(), s[from], x.rowRange(from, to - from), u.rowRange(from, to - from),
                    x0.rowRange(from, to - from));
        }
    }

    /**
     * {@link Sampler#step} of rows (or any equal-shaped views): {@code out = cx x + cu u + cz z} with the host step's
     * coefficients; {@code z} is ignored (may be null) when the sampler is deterministic.
     */
    public void step(Tensor x, Tensor u, double s, double sNext, Tensor z, Tensor out) {
        Sampler.StepCoefficients c = sampler.stepCoefficients(s, sNext);
        if (c.deterministic()) {
            backend.combine(1.0, x, c.u(), u, 0.0, null, out);
            return;
        }
        if (z == null) throw new IllegalArgumentException("step: a stochastic sampler needs noise z");
        backend.combine(c.x(), x, c.u(), u, c.z(), z, out);
    }

    /** {@link Sampler#forwardNoise} of equal-shaped views: {@code out = ratio x + std z} with the host's coefficients. */
    public void forwardNoise(Tensor x, double s, double sUp, Tensor z, Tensor out) {
        double[] c = sampler.forwardNoiseCoefficients(s, sUp);
        backend.combine(c[0], x, c[1], z, 0.0, null, out);
    }

    /** The sampler's output at step sizes {@code steps} (null: the velocity), converted to its path as the host path does. */
    private void output(int n, Tensor x, double[] s, double[] steps, Condition[] cond, Tensor out) {
        if (n < 0 || s.length < n || (cond != null && cond.length < n)) {
            throw new IllegalArgumentException("velocity: n = " + n + " exceeds an array length");
        }
        for (int i = 0; i < n; i++) TimeGuard.evaluable(s[i]);
        if (n == 0) return;
        PathConversion conversion = sampler.conversion();
        if (conversion == null) {
            model.velocity(n, x, s, steps, cond, out);
            return;
        }
        Tensor in = device.rows("sampler.modelInput", n);
        t = grow(t, n);
        for (int from = 0, to; from < n; from = to) {
            to = runEnd(s, from, n);
            PathConversion.Point p = conversion.at(s[from]);
            for (int i = from; i < to; i++) t[i] = p.t();
            conversion.sourceInput(x.rowRange(from, to - from), p, in.rowRange(from, to - from));
        }
        model.velocity(n, in, t, steps, cond, out);
        for (int from = 0, to; from < n; from = to) {
            to = runEnd(s, from, n);
            PathConversion.Point p = conversion.at(s[from]);
            conversion.targetVelocity(x.rowRange(from, to - from), out.rowRange(from, to - from), p, out.rowRange(from, to - from));
        }
    }

    /** The end of the run of rows from {@code from} whose time equals {@code s[from]}. */
    private static int runEnd(double[] s, int from, int n) {
        int to = from + 1;
        while (to < n && s[to] == s[from]) to++;
        return to;
    }

    private static double[] grow(double[] a, int n) {
        return a.length >= n ? a : new double[n];
    }
}
