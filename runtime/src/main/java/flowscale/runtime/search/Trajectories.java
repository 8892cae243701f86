package flowscale.runtime.search;


import java.util.Arrays;

/**
 * Independent trajectories from noise through the whole grid, all particles batched in one model call per
 * grid time. Particle p draws its initial latent from stream (INITIAL, p, 0, 0) and the noise of the step
 * leaving grid index i from (STEP, p, i, 0). The output is the Tweedie estimate at the last non-zero grid
 * time s_{M-1} (the step to s_M = 0 is never evaluated: method.md §3.4), or the sampler's one-step estimate there.
 * Costs n·M evaluations, plus n when that estimate is a faithful jump (only the last time's estimate is read).
 */
final class Trajectories {
    private Trajectories() {}

    /** The final clean estimates of the n trajectories (host arrays; the latents stay on the model's device if it has one). */
    static float[][] run(SearchRun run, int n) {
        double[] grid = run.grid;
        int m = run.steps;
        Particles x = run.particles("trajectories", n);
        Particles next = run.particles("trajectories.next", n);
        double[] s = new double[n], sNext = new double[n];
        for (int p = 0; p < n; p++) {
            run.normal(NoiseStreams.Purpose.INITIAL, p, 0, 0, x, p);
        }
        for (int i = 0; i < m; i++) {
            Arrays.fill(s, grid[i]);
            Arrays.fill(sNext, grid[i + 1]);
            if (i < m - 1) {
                run.velocity(n, x, s, sNext);
                for (int p = 0; p < n; p++) {
                    run.step(x, p, grid[i], grid[i + 1], p, i, 0, next, p);
                }
                Particles t = x;
                x = next;
                next = t;
            } else {
                run.estimate(n, x, s, sNext);
            }
            run.report();
        }
        return x.x0;
    }
}
