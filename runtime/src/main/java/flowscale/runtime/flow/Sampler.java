package flowscale.runtime.flow;

import flowscale.runtime.model.Condition;
import flowscale.runtime.model.VelocityModel;

import java.util.List;

/**
 * A generation scheme: a sampling path (the interpolant the latents live on), a diffusion coefficient, and a
 * time grid. The model always speaks the linear path at linear time t; a sampler on another path converts
 * (method.md §4). Steps are Euler (g = 0) or Euler-Maruyama:
 * {@code x_next = x - f (s - sNext) + g(s) sqrt(s - sNext) z}, {@code f = u - g^2/2 score}, with drift, score and g
 * evaluated at the start time s from the velocity already computed there (method.md §3.2).
 *
 * <p>Named configurations ({@link #named}):
 * <ul>
 * <li>{@code ode}: linear path, g = 0, uniform grid.</li>
 * <li>{@code linear-sde}: linear path, g = 3t^2, uniform grid.</li>
 * <li>{@code vp-sde}: VP path (beta 0.1..20) converted from the linear model, g = 3s^2 on VP time, sqrt grid
 *     {@code s_i = sqrt(1 - (i/M)^2)} (the reference code's configuration for all published search results).</li>
 * <li>{@code linear-sde-adapt-time} ("+ Adapt. Time", method.md §4.5): the linear SDE with g = 3t^2, stepped on
 *     the converted times of the VP sqrt grid, {@code {1, t(s_1), ..., t(s_{M-1}), 0}} with
 *     {@code t(s) = sigmaBar/(alphaBar + sigmaBar)}; only the time locations change, not the noise level.</li>
 * <li>{@code linear-sde-adapt-diff} ("+ Adapt. Diff."): the linear SDE on the uniform grid with the coefficient
 *     scaled to inject the VP-SDE's noise: {@code g'(t) = g_VP(t) / (c_t sqrt(tDot_t))}, the continuous-time limit
 *     of method.md's {@code (g_s/c_s) sqrt(Δs/Δt_s)} (the VP step's noise {@code g_s sqrt(Δs)} measured in linear
 *     coordinates, divided by the square root of the linear step {@code tDot Δs}), with c and tDot of the VP
 *     conversion evaluated at the grid time itself (no time conversion). It is huge near noise (about 11.7 at
 *     t = 1) and vanishes near data.</li>
 * <li>Grid-matched controls (issue 19), so that "VP vs linear" is not confounded with where the final jump starts:
 *     {@code vp-sde-uniform}, the VP-SDE on the uniform VP-time grid {@code s_i = 1 - i/M} (its last evaluated time
 *     s = 0.1 is linear t = 0.254 for M = 10), and {@code ode-vp-grid}, the linear ODE on the VP runs' converted
 *     sqrt grid (final jump from linear t = 0.709, like vp-sde). The Linear-SDE on that grid is
 *     {@code linear-sde-adapt-time}.</li>
 * </ul>
 * Grid choice for the linear samplers: method.md leaves it open; we use the uniform grid because it is the
 * natural Euler baseline (and what rectified-flow samplers use without a shift), which gives the two ablations a
 * distinct meaning: "adapt time" moves the evaluation times onto the converted VP grid (all at t >= 0.709 for
 * M = 10), "adapt diff" keeps the times and only changes the noise.
 *
 * <p>A model's own schedule ({@link #withTimeShift}, FLUX.1-dev's shifted grid) applies to the samplers whose grid is
 * uniform in the model's linear time: {@code ode}, {@code linear-sde} and {@code linear-sde-adapt-diff} step on the
 * shifted times (FLUX.1-dev's own sampler is {@code ode} with that grid). The VP-path samplers ({@code vp-sde},
 * {@code vp-sde-uniform}) keep their grid in VP time, and {@code linear-sde-adapt-time} and {@code ode-vp-grid} keep
 * the converted VP grid, because where those grids put the steps is what they are compared for; the VP conversion
 * already moves the model's evaluations towards noise. A schedule with no shift (FLUX.1-schnell's uniform 1 → 0)
 * changes nothing.
 *
 * <p>The clean estimate and the model output that drives a step follow the sampler's {@link Estimate} mode (default
 * {@link Estimate#AUTO}: a few-step model's one-step estimate when it offers one, else Tweedie); {@link #evaluate}
 * and {@link #estimate} are told the step each output serves, which a few-step model needs as its step size.
 *
 * <p>Guards: every coefficient, score or velocity request at {@code s <= TimeGuard.S_MIN} throws
 * {@link IllegalArgumentException}; callers never evaluate at {@code s_M = 0}: the generated sample is the
 * Tweedie estimate at the last non-zero grid time (see {@link SamplingLoop}).
 *
 * <p>{@link DeviceSampler} runs the same evaluations, estimates and steps on particles held in a model's device tensors,
 * with the same double coefficients ({@code stepCoefficients}, {@code forwardNoiseCoefficients}).
 *
 * <p>Instances are immutable and thread-safe; the conversion scratch space is per thread.
 */
public final class Sampler {

    private enum GridKind { UNIFORM, SQRT, CONVERTED_SQRT }

    public static final int DEFAULT_STEPS = 10;
    private static final List<String> NAMES =
            List.of("ode", "linear-sde", "vp-sde", "linear-sde-adapt-time", "linear-sde-adapt-diff", "vp-sde-uniform", "ode-vp-grid");

    private final String name;
    private final Interpolant path;
    /** Linear -> path conversion used to query the model; null when the sampling path is the model's own. */
    private final PathConversion conversion;
    private final Diffusion diffusion;
    /** For adapt-diff only: the VP conversion whose noise level g is matched; null otherwise. */
    private final PathConversion diffusionMatch;
    private final GridKind gridKind;
    private final int steps;
    private final double[] grid;
    private final Estimate estimate;
    /** The model's schedule warp of a uniform linear grid; null for none. */
    private final TimeShift shift;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Sampler(String name, Interpolant path, PathConversion conversion, Diffusion diffusion,
                    PathConversion diffusionMatch, GridKind gridKind, int steps) {
        this(name, path, conversion, diffusion, diffusionMatch, gridKind, steps, Estimate.AUTO, null);
    }

    private Sampler(String name, Interpolant path, PathConversion conversion, Diffusion diffusion,
                    PathConversion diffusionMatch, GridKind gridKind, int steps, Estimate estimate, TimeShift shift) {
        TimeGrid.checkSteps(steps);
        this.estimate = java.util.Objects.requireNonNull(estimate, "estimate");
        this.name = name;
        this.path = path;
        this.conversion = conversion;
        this.diffusion = diffusion;
        this.diffusionMatch = diffusionMatch;
        this.gridKind = gridKind;
        this.steps = steps;
        this.shift = takesModelSchedule(gridKind, conversion) ? shift : null;
        this.grid = switch (gridKind) {
            case UNIFORM -> this.shift == null ? TimeGrid.uniform(steps) : this.shift.apply(TimeGrid.uniform(steps));
            case SQRT -> TimeGrid.sqrt(steps);
            case CONVERTED_SQRT -> TimeGrid.converted(TimeGrid.sqrt(steps), PathConversion.fromLinear(new VpInterpolant()));
        };
    }

    /** The named configuration with {@link #DEFAULT_STEPS} steps; unknown names throw, listing the known ones. */
    public static Sampler named(String name) {
        if (name == null) throw new IllegalArgumentException("sampler name is null; known: " + String.join(", ", NAMES));
        Interpolant linear = LinearInterpolant.INSTANCE;
        int m = DEFAULT_STEPS;
        return switch (name) {
            case "ode" -> new Sampler(name, linear, null, Diffusion.NONE, null, GridKind.UNIFORM, m);
            case "linear-sde" -> new Sampler(name, linear, null, Diffusion.PAPER, null, GridKind.UNIFORM, m);
            case "vp-sde" -> {
                VpInterpolant vp = new VpInterpolant();
                yield new Sampler(name, vp, PathConversion.fromLinear(vp), Diffusion.PAPER, null, GridKind.SQRT, m);
            }
            case "linear-sde-adapt-time" -> new Sampler(name, linear, null, Diffusion.PAPER, null, GridKind.CONVERTED_SQRT, m);
            case "linear-sde-adapt-diff" -> new Sampler(name, linear, null, Diffusion.PAPER,
                    PathConversion.fromLinear(new VpInterpolant()), GridKind.UNIFORM, m);
            case "vp-sde-uniform" -> {
                VpInterpolant vp = new VpInterpolant();
                yield new Sampler(name, vp, PathConversion.fromLinear(vp), Diffusion.PAPER, null, GridKind.UNIFORM, m);
            }
            case "ode-vp-grid" -> new Sampler(name, linear, null, Diffusion.NONE, null, GridKind.CONVERTED_SQRT, m);
            default -> throw new IllegalArgumentException("unknown sampler '" + name + "'; known: " + String.join(", ", NAMES));
        };
    }

    public static List<String> names() {
        return NAMES;
    }

    public String name() { return name; }

    public boolean stochastic() { return !diffusion.isZero(); }

    /** The sampling path. */
    public Interpolant path() { return path; }

    /** The base diffusion coefficient (for adapt-diff, the VP coefficient whose noise is matched). */
    public Diffusion baseDiffusion() { return diffusion; }

    /** {@code s_0 = 1 > s_1 > ... > s_M = 0}, a fresh copy. */
    public double[] grid() { return grid.clone(); }

    public int steps() { return steps; }

    /** The same configuration with {@code m} steps. */
    public Sampler withSteps(int m) {
        return new Sampler(name, path, conversion, diffusion, diffusionMatch, gridKind, m, estimate, shift);
    }

    /** The same configuration with another {@link Estimate} mode (the name stays: traces record the mode apart). */
    public Sampler withEstimate(Estimate e) {
        return new Sampler(name, path, conversion, diffusion, diffusionMatch, gridKind, steps, e, shift);
    }

    /**
     * The same configuration on a model's own schedule (null: none): the uniform linear-time grid of {@code ode},
     * {@code linear-sde} and {@code linear-sde-adapt-diff} becomes {@code shift} of it; the other samplers keep their
     * grids (see the class comment), so for them this returns an equal sampler.
     */
    public Sampler withTimeShift(TimeShift s) {
        return new Sampler(name, path, conversion, diffusion, diffusionMatch, gridKind, steps, estimate, s);
    }

    /** The schedule warp in effect: null unless {@link #withTimeShift} gave one to a sampler that takes it. */
    public TimeShift timeShift() { return shift; }

    /** Whether this sampler's grid is uniform in the model's linear time, so that a model's schedule replaces it. */
    public boolean takesModelSchedule() {
        return takesModelSchedule(gridKind, conversion);
    }

    private static boolean takesModelSchedule(GridKind kind, PathConversion conversion) {
        return kind == GridKind.UNIFORM && conversion == null;
    }

    /** The estimate mode as configured ({@link Estimate#AUTO} unless changed); {@link Estimate#resolve} gives the one used. */
    public Estimate estimate() { return estimate; }

    /** The same configuration with another diffusion coefficient (ablations such as method.md Table 8(b)). */
    public Sampler withDiffusion(Diffusion d) {
        String n = d.equals(diffusion) ? name : name + "[g=" + d + "]";
        return new Sampler(n, path, conversion, d, diffusionMatch, gridKind, steps, estimate, shift);
    }

    /** The conversion from the model's linear path to the sampling path; null when they are the same. */
    PathConversion conversion() { return conversion; }

    /** The linear time at which the model is queried for sampling time s. */
    public double modelTime(double s) {
        TimeGuard.evaluable(s);
        return conversion == null ? s : conversion.sourceTime(s);
    }

    /** {@code g(s)}; 0 for the ODE. */
    public double diffusion(double s) {
        TimeGuard.evaluable(s);
        if (diffusion.isZero()) return 0.0;
        if (diffusionMatch != null) {
            PathConversion.Point p = diffusionMatch.at(s);
            return diffusion.at(s, diffusionMatch.target()) / (p.c() * Math.sqrt(p.tDot()));
        }
        return diffusion.at(s, path);
    }

    /**
     * {@code out[i]} = velocity on the sampling path of particle {@code x[i]} at sampling time {@code s[i]}, for
     * {@code i < n}: one batched model call ({@code n * model.nfePerLatent()} NFE). On a converted path the model
     * sees {@code x/c_s} at {@code t_s} and {@code out = (cDot/c) x + c tDot u}. {@code out} must not alias {@code x}.
     */
    public void velocity(VelocityModel model, int n, float[][] x, double[] s, Condition[] cond, float[][] out) {
        output(model, n, x, s, null, cond, out);
    }

    /**
     * The model's output on the sampling path at step sizes {@code d} (linear time; null: the velocity), converted as
     * {@link #velocity} converts.
     */
    private void output(VelocityModel model, int n, float[][] x, double[] s, double[] d, Condition[] cond, float[][] out) {
        if (n < 0 || x.length < n || s.length < n || out.length < n || (cond != null && cond.length < n)) {
            throw new IllegalArgumentException("velocity: n = " + n + " exceeds an array length");
        }
        for (int i = 0; i < n; i++) TimeGuard.evaluable(s[i]);
        if (n == 0) return;
        if (conversion == null) {
            if (d == null) model.velocity(n, x, s, cond, out);
            else model.velocity(n, x, s, d, cond, out);
            return;
        }
        Scratch sc = SCRATCH.get();
        sc.ensure(n);
        PathConversion.Point p = null;
        for (int i = 0; i < n; i++) {
            // particles usually share their time: compute the conversion once per distinct run of equal times
            if (p == null || p.s() != s[i]) p = conversion.at(s[i]);
            sc.t[i] = p.t();
            sc.self[i] = p.selfCoefficient();
            sc.gain[i] = p.velocityCoefficient();
            sc.ensureRow(i, x[i].length);
            conversion.sourceInput(x[i], p, sc.in[i]);
        }
        if (d == null) model.velocity(n, sc.in, sc.t, cond, out);
        else model.velocity(n, sc.in, sc.t, d, cond, out);
        for (int i = 0; i < n; i++) Conversions.combine(sc.self[i], x[i], sc.gain[i], out[i], out[i]);
    }

    /**
     * The model's linear-time span of the step from sampling time {@code s} to {@code sNext < s}: the step size a
     * few-step model is asked for. {@code sNext = 0} gives the whole remaining time, the one-step jump.
     */
    public double stepSize(double s, double sNext) {
        double t = modelTime(s);
        return sNext == 0.0 ? t : t - modelTime(sNext);
    }

    /**
     * {@code u[i]}: the output that drives the step of particle {@code x[i]} from {@code s[i]} to {@code sNext[i]}, in
     * ONE batched call of n latents: the velocity, or under {@link Estimate#SCHNELL} the few-step output at d = that
     * step. {@code u} must not alias {@code x}.
     */
    public void evaluate(VelocityModel model, int n, float[][] x, double[] s, double[] sNext, Condition[] cond, float[][] u) {
        if (estimate.resolve(model) != Estimate.SCHNELL) {
            velocity(model, n, x, s, cond, u);
            return;
        }
        Scratch sc = SCRATCH.get();
        sc.ensureSteps(n);
        for (int i = 0; i < n; i++) sc.d[i] = stepSize(s[i], sNext[i]);
        output(model, n, x, s, sc.d, cond, u);
    }

    /**
     * As {@link #evaluate}, and {@code x0[i]} the clean estimate of each particle by the resolved {@link Estimate}: the
     * Tweedie estimate of {@code u}, or under {@link Estimate#FAITHFUL} the one-step jump {@code x - t s(x, t, t)} from
     * a second output in the same batched call (2n latents, 2n NFE).
     */
    public void estimate(VelocityModel model, int n, float[][] x, double[] s, double[] sNext, Condition[] cond,
                         float[][] u, float[][] x0) {
        if (estimate.resolve(model) != Estimate.FAITHFUL) {
            evaluate(model, n, x, s, sNext, cond, u);
            for (int i = 0; i < n; i++) tweedie(x[i], u[i], s[i], x0[i]);
            return;
        }
        Scratch sc = SCRATCH.get();
        sc.ensurePairs(n, x.length == 0 ? 0 : x[0].length);
        for (int i = 0; i < n; i++) {
            sc.pairX[i] = x[i];
            sc.pairX[n + i] = x[i];
            sc.pairS[i] = s[i];
            sc.pairS[n + i] = s[i];
            sc.pairD[i] = 0.0;
            sc.pairD[n + i] = modelTime(s[i]);
            sc.pairCond[i] = cond == null ? null : cond[i];
            sc.pairCond[n + i] = sc.pairCond[i];
            sc.pairOut[i] = u[i];
        }
        output(model, 2 * n, sc.pairX, sc.pairS, sc.pairD, cond == null ? null : sc.pairCond, sc.pairOut);
        // the jump's output on the sampling path, through the same Tweedie formula: x/c - t s(x/c, t, t)
        for (int i = 0; i < n; i++) tweedie(x[i], sc.pairOut[n + i], s[i], x0[i]);
        java.util.Arrays.fill(sc.pairX, 0, 2 * n, null);
        java.util.Arrays.fill(sc.pairCond, 0, 2 * n, null);
        java.util.Arrays.fill(sc.pairOut, 0, n, null);
    }

    /** Clean-sample (Tweedie) estimate from a particle and its sampling-path velocity at time s > 0. */
    public void tweedie(float[] x, float[] u, double s, float[] out) {
        TimeGuard.evaluable(s);
        Conversions.clean(path, s, x, u, out);
    }

    /**
     * One Euler(-Maruyama) step from {@code s} to {@code sNext < s} using the velocity {@code u} already computed
     * at {@code (x, s)}: {@code out = x - f (s - sNext) + g(s) sqrt(s - sNext) z}, {@code f = u - g^2/2 score}.
     * {@code sNext} may be 0 (nothing is evaluated there). {@code z} is ignored (may be null) when g(s) = 0.
     * Element-wise, so {@code out} may alias {@code x} or {@code u}.
     */
    public void step(float[] x, float[] u, double s, double sNext, float[] z, float[] out) {
        StepCoefficients c = stepCoefficients(s, sNext);
        int len = x.length;
        if (u.length < len || out.length < len) throw new IllegalArgumentException("step: array lengths differ");
        if (c.deterministic()) {
            double dt = s - sNext;
            for (int k = 0; k < len; k++) out[k] = (float) (x[k] - dt * u[k]);
            return;
        }
        if (z == null || z.length < len) throw new IllegalArgumentException("step: a stochastic sampler needs noise z of length " + len);
        double cx = c.x(), cu = c.u(), cz = c.z();
        for (int j = 0; j < len; j++) out[j] = (float) (cx * x[j] + cu * u[j] + cz * z[j]);
    }

    /**
     * The coefficients of one step, {@code out = cx x + cu u + cz z} (in that order, in double): the Euler step
     * {@code x - dt u} when g = 0 ({@code cx = 1, cu = -dt}, no noise term; {@code 1 x + (-dt) u} rounds exactly as
     * {@code x - dt u}), else the Euler-Maruyama step. The host {@link #step} and the device one
     * ({@link DeviceSampler#step}) both use them.
     */
    record StepCoefficients(double x, double u, double z, boolean deterministic) {}

    StepCoefficients stepCoefficients(double s, double sNext) {
        TimeGuard.evaluable(s);
        if (!(sNext >= 0.0 && sNext < s)) {
            throw new IllegalArgumentException("step needs 0 <= sNext < s, got s = " + s + ", sNext = " + sNext);
        }
        double dt = s - sNext;
        double g = diffusion(s);
        if (g == 0.0) return new StepCoefficients(1.0, -dt, 0.0, true);
        // f = u - h score, score = (alpha u - alphaDot x) / (sigma D)  =>  f = (1 - k alpha) u + k alphaDot x, k = h/(sigma D)
        double h = 0.5 * g * g;
        double k = h / (path.sigma(s) * path.determinant(s));
        double cx = 1.0 - dt * k * path.alphaDot(s);
        double cu = -dt * (1.0 - k * path.alpha(s));
        double cz = g * Math.sqrt(dt);
        return new StepCoefficients(cx, cu, cz, false);
    }

    /**
     * Forward noising kernel of the sampling path from {@code s} up to {@code sUp > s} (Search over Paths):
     * {@code out = (a(sUp)/a(s)) x + sqrt(sig(sUp)^2 - (a(sUp)/a(s))^2 sig(s)^2) z}. Needs {@code a(s) > 0}; s may be 0.
     */
    public void forwardNoise(float[] x, double s, double sUp, float[] z, float[] out) {
        double[] c = forwardNoiseCoefficients(s, sUp);
        double ratio = c[0], std = c[1];
        int len = x.length;
        if (z.length < len || out.length < len) throw new IllegalArgumentException("forwardNoise: array lengths differ");
        for (int k = 0; k < len; k++) out[k] = (float) (ratio * x[k] + std * z[k]);
    }

    /** {@code {ratio, std}} of {@link #forwardNoise}, shared with the device one ({@link DeviceSampler#forwardNoise}). */
    double[] forwardNoiseCoefficients(double s, double sUp) {
        TimeGuard.inUnitInterval(s);
        TimeGuard.inUnitInterval(sUp);
        if (!(sUp > s)) throw new IllegalArgumentException("forwardNoise needs sUp > s, got s = " + s + ", sUp = " + sUp);
        double a = path.alpha(s);
        if (!(a > 0)) throw new IllegalArgumentException("forwardNoise from s = " + s + ": alpha is 0 (pure noise)");
        double ratio = path.alpha(sUp) / a;
        double sigUp = path.sigma(sUp), sig = path.sigma(s);
        double std = Math.sqrt(Math.max(0.0, sigUp * sigUp - ratio * ratio * sig * sig));
        return new double[] {ratio, std};
    }

    @Override
    public String toString() {
        return name + "(path=" + path + ", g=" + diffusion + (diffusionMatch != null ? " matched to vp" : "")
                + ", grid=" + gridKind.name().toLowerCase() + (shift == null ? "" : " " + shift) + ", M=" + steps
                + (estimate == Estimate.AUTO ? "" : ", estimate=" + estimate.label()) + ")";
    }

    /** Per-thread buffers for the converted model inputs; grown, never shrunk. */
    private static final class Scratch {
        float[][] in = new float[0][];
        double[] t = new double[0];
        double[] self = new double[0];
        double[] gain = new double[0];

        void ensure(int n) {
            if (in.length < n) {
                float[][] grown = new float[n][];
                System.arraycopy(in, 0, grown, 0, in.length);
                in = grown;
                t = new double[n];
                self = new double[n];
                gain = new double[n];
            }
        }

        /** Step sizes of one call. */
        double[] d = new double[0];
        /** A faithful estimate's call of 2n rows: each particle at d = 0, then again at d = t. */
        float[][] pairX = new float[0][], pairOut = new float[0][];
        double[] pairS = new double[0], pairD = new double[0];
        Condition[] pairCond = new Condition[0];
        /** The jump outputs (rows n..2n of pairOut), kept. */
        float[][] jump = new float[0][];

        void ensureSteps(int n) {
            if (d.length < n) d = new double[n];
        }

        void ensurePairs(int n, int dim) {
            if (pairX.length < 2 * n) {
                pairX = new float[2 * n][];
                pairOut = new float[2 * n][];
                pairS = new double[2 * n];
                pairD = new double[2 * n];
                pairCond = new Condition[2 * n];
            }
            if (jump.length < n) jump = java.util.Arrays.copyOf(jump, n);
            for (int i = 0; i < n; i++) {
                if (jump[i] == null || jump[i].length != dim) jump[i] = new float[dim];
                pairOut[n + i] = jump[i];
            }
        }

        void ensureRow(int i, int dim) {
            if (in[i] == null || in[i].length != dim) in[i] = new float[dim];
        }
    }
}
