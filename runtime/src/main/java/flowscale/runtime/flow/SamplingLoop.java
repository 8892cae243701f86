package flowscale.runtime.flow;

import flowscale.runtime.model.Condition;
import flowscale.runtime.model.VelocityModel;

import java.util.Arrays;

/**
 * Plain sampling (the {@code none} search method, and the tests): n particles from noise through a sampler's
 * grid, one batched velocity call per step. The output is the Tweedie estimate at the last non-zero grid time
 * {@code s_{M-1}} (method.md §3.4: the reference code never evaluates at s = 0), or the sampler's one-step estimate
 * there ({@link Estimate}). Cost: {@code M * n} latent evaluations ({@code (M + 1) * n} for {@link Estimate#FAITHFUL});
 * for the linear ODE the Tweedie estimate equals the last Euler step to 0.
 */
public final class SamplingLoop {
    private SamplingLoop() {}

    /** {@code x[i]} = the initial latent of particle i (standard normal at s_0 = 1). */
    public static void initialNoise(NoiseSource noise, int n, float[][] x) {
        for (int i = 0; i < n; i++) noise.fill(i, NoiseSource.INITIAL, x[i]);
    }

    /**
     * Advances {@code x[0..n)} in place from grid index {@code from} to {@code to} ({@code 0 <= from <= to <= M}):
     * for each step k the velocity at {@code s_k}, then an Euler(-Maruyama) step to {@code s_{k+1}} with noise
     * {@code noise.fill(i, k, z)}. Stepping to {@code s_M = 0} is allowed (no evaluation happens there).
     */
    public static void advance(Sampler sampler, VelocityModel model, int n, float[][] x, Condition[] cond,
                               NoiseSource noise, int from, int to) {
        double[] grid = sampler.grid();
        if (from < 0 || to > sampler.steps() || from > to) {
            throw new IllegalArgumentException("advance from " + from + " to " + to + " on a grid of " + sampler.steps() + " steps");
        }
        if (from == to || n == 0) return;
        int dim = x[0].length;
        float[][] u = new float[n][dim];
        float[] z = new float[dim];
        double[] s = new double[n], sNext = new double[n];
        for (int k = from; k < to; k++) {
            Arrays.fill(s, grid[k]);
            Arrays.fill(sNext, grid[k + 1]);
            sampler.evaluate(model, n, x, s, sNext, cond, u);
            for (int i = 0; i < n; i++) {
                if (sampler.stochastic()) noise.fill(i, k, z);
                sampler.step(x[i], u[i], grid[k], grid[k + 1], z, x[i]);
            }
        }
    }

    /**
     * Full generation: initial noise, M - 1 steps to {@code s_{M-1}}, one more evaluation there (for the step to 0) and
     * its clean estimate into {@code out[i]}.
     */
    public static void sample(Sampler sampler, VelocityModel model, int n, Condition[] cond, NoiseSource noise, float[][] out) {
        if (n == 0) return;
        int dim = model.dim();
        float[][] x = new float[n][dim];
        initialNoise(noise, n, x);
        int last = sampler.steps() - 1;
        advance(sampler, model, n, x, cond, noise, 0, last);
        double sLast = sampler.grid()[last];
        double[] s = new double[n];
        Arrays.fill(s, sLast);
        float[][] u = new float[n][dim];
        sampler.estimate(model, n, x, s, new double[n], cond, u, out);
    }

    /** {@link #sample(Sampler, VelocityModel, int, Condition[], NoiseSource, float[][])} into fresh arrays. */
    public static float[][] sample(Sampler sampler, VelocityModel model, int n, Condition[] cond, NoiseSource noise) {
        float[][] out = new float[n][model.dim()];
        sample(sampler, model, n, cond, noise, out);
        return out;
    }
}
