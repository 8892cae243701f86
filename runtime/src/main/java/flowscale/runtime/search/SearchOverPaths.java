package flowscale.runtime.search;


import java.util.Arrays;

/**
 * Search over Paths (Ma et al. 2025), as the reference code runs it (method.md §5.2): N noises are solved
 * with the probability-flow ODE from s = 1 down to {@code seed-t}; then, in rounds, each of the N survivors
 * spawns K children with the sampler path's forward noising kernel from t up to t' = min(t + forward, 1000),
 * every child is ODE-solved from t' down to max(t' − backward, 0), and each parent keeps its best child by the
 * reward of the Tweedie estimate taken at the start of the last Euler sub-step; t ← max(t' − backward, 0) until
 * t = 0. The output is the best survivor's Tweedie estimate.
 *
 * <p>Times are on the 0..1000 scale of the sampler's own time s (the code used the converted VP time; with
 * {@code vp-sde} this is the same, with {@code ode} or {@code linear-sde} the linear time). The search always
 * integrates the ODE of the sampler's path (Euler, {@code x − u·Δs}): the sampler's diffusion is not used, so
 * every sampler is a valid choice. Each ODE solve uses {@code ode-steps} uniform Euler sub-steps.
 *
 * <p>With the defaults (N=2, K=5, 4 sub-steps, 780/810/120) the rounds end at 90, 60, 30, 0 and the run spends
 * 2·4 + 4·(2·5·4) = 168 NFE whatever the budget (the code's behaviour, not 500); a budget below the plan is an
 * error. Noise: initial latent p from (INITIAL, p, 0, 0), child c of parent p in round r from (FORWARD, p, r, c).
 *
 * <p>A few-step model is asked for each Euler sub-step's size (its output then is that sub-step's mean velocity);
 * under a faithful one-step estimate the estimate of each solve's last sub-step costs one more latent each.
 */
public final class SearchOverPaths extends MethodWithSettings<SearchOverPathsSettings> {
    public SearchOverPaths(SearchOverPathsSettings settings) {
        super("sop", settings);
    }

    @Override
    public SearchResult run(SearchProblem problem) {
        int n = settings.n(), k = settings.k(), sub = settings.odeSteps();
        double fwd = settings.forward(), seedT = settings.seedT();
        double[] targets = settings.roundTargets();
        int extra = SearchMethods.latentsPerEstimate(problem) - 1;
        long plan = (long) n * (sub + extra) + (long) targets.length * n * k * (sub + extra);
        SearchMethods.requireEvaluations(name(), problem, plan,
                n + "·" + sub + " + " + targets.length + " rounds · " + n + "·" + k + "·" + sub);
        SearchRun run = new SearchRun(name(), problem, settings);
        run.parameter("n", n);
        run.parameter("k", k);
        run.parameter("odeSteps", sub);
        run.parameter("forward", fwd);
        run.parameter("backward", settings.backward());
        run.parameter("seedT", seedT);
        run.parameter("plannedNfe", plan * problem.model().nfePerLatent());
        int p = n * k;
        Particles parents = run.particles("parents", n), children = run.particles("children", p);
        double[] pr = new double[n];
        Arrays.fill(pr, Double.NEGATIVE_INFINITY);
        double[] s = new double[p], sNext = new double[p], r = new double[p];
        for (int a = 0; a < n; a++) run.normal(NoiseStreams.Purpose.INITIAL, a, 0, 0, parents, a);
        solve(run, n, parents, s, sNext, 1.0, seedT / 1000.0, sub);
        double t = seedT;
        for (int round = 0; round < targets.length; round++) {
            double up = Math.min(t + fwd, 1000);
            for (int a = 0; a < n; a++) {
                for (int c = 0; c < k; c++) run.forwardNoise(parents, a, t / 1000.0, up / 1000.0, a, round, c, children, a * k + c);
            }
            double sLast = solve(run, p, children, s, sNext, up / 1000.0, targets[round] / 1000.0, sub);
            run.rewards(p, children.x0, r);
            for (int a = 0; a < n; a++) {
                int taken = run.takeBest(round, a, sLast, r, a * k, a * k + k, LevelRecord.Reason.BEST_OF_BATCH);
                children.copy(taken, parents, a);
                pr[a] = r[taken];
            }
            run.report();
            t = targets[round];
        }
        return run.finishBest(parents.x0, pr, n);
    }

    /**
     * Euler PF-ODE on the sampler's path from {@code from} down to {@code to} in {@code sub} uniform sub-steps,
     * in place on the first {@code n} of {@code x}; their estimates get the Tweedie estimate at the start of the last
     * sub-step.
     *
     * @return the time of that estimate
     */
    private static double solve(SearchRun run, int n, Particles x, double[] s, double[] sNextAll, double from, double to, int sub) {
        double h = (from - to) / sub;
        double sNow = from;
        for (int i = 0; i < sub; i++) {
            double sNext = i == sub - 1 ? to : from - (i + 1) * h;
            Arrays.fill(s, 0, n, sNow);
            Arrays.fill(sNextAll, 0, n, sNext);
            if (i == sub - 1) {
                run.estimate(n, x, s, sNextAll);
            } else {
                run.velocity(n, x, s, sNextAll);
            }
            run.euler(n, x, sNow - sNext);
            run.report();
            sNow = sNext;
        }
        return from - (sub - 1) * h;
    }
}
