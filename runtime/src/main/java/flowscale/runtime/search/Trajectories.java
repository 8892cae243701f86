package flowscale.runtime.search;

import flowscale.runtime.flow.Sampler;

import java.util.Arrays;

/**
 * Independent trajectories from noise through the whole grid, all particles batched in one model call per
 * grid time. Particle p draws its initial latent from stream (INITIAL, p, 0, 0) and the noise of the step
 * leaving grid index i from (STEP, p, i, 0). The output is the Tweedie estimate at the last non-zero grid
 * time s_{M-1} (the step to s_M = 0 is never evaluated: method.md §3.4). Costs n·M evaluations.
 */
final class Trajectories {
    private Trajectories() {}

    static float[][] run(SearchRun run, int n) {
        Sampler sampler = run.sampler;
        double[] grid = run.grid;
        int m = run.steps;
        float[][] x = SearchRun.buffers(n, run.dim);
        float[][] next = SearchRun.buffers(n, run.dim);
        float[][] u = SearchRun.buffers(n, run.dim);
        float[][] x0 = SearchRun.buffers(n, run.dim);
        float[] z = new float[run.dim];
        double[] s = new double[n];
        for (int p = 0; p < n; p++) {
            run.noise.normal(NoiseStreams.Purpose.INITIAL, p, 0, 0, x[p]);
        }
        for (int i = 0; i < m; i++) {
            Arrays.fill(s, grid[i]);
            run.velocity(n, x, s, u);
            if (i < m - 1) {
                for (int p = 0; p < n; p++) {
                    sampler.step(x[p], u[p], grid[i], grid[i + 1], run.stepNoise(p, i, 0, z), next[p]);
                }
                float[][] t = x;
                x = next;
                next = t;
            } else {
                for (int p = 0; p < n; p++) {
                    sampler.tweedie(x[p], u[p], grid[i], x0[p]);
                }
            }
            run.report();
        }
        return x0;
    }
}
