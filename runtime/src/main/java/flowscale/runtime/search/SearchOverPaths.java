package flowscale.runtime.search;

import flowscale.runtime.flow.Sampler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

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
 */
public final class SearchOverPaths implements SearchMethod {
    private final SearchConfig config;

    public SearchOverPaths(SearchConfig config) {
        config.requireOnly("sop", Set.of("n", "k", "ode-steps", "forward", "backward", "seed-t"));
        this.config = config;
        schedule();
    }

    @Override
    public String name() {
        return "sop";
    }

    /** Round targets on the 0..1000 scale, validated. */
    private double[] schedule() {
        config.positiveInt("n", 2);
        config.positiveInt("k", 5);
        config.positiveInt("ode-steps", 4);
        double fwd = config.number("forward", 780, 1e-9, 1000);
        double back = config.number("backward", 810, 1e-9, 1000);
        double seedT = config.number("seed-t", 120, 1e-3, 1000 - 1e-9);
        if (!(back > fwd)) {
            throw new IllegalArgumentException("sop needs backward > forward (each round must move towards data), got "
                    + back + " <= " + fwd);
        }
        List<Double> targets = new ArrayList<>();
        double t = seedT;
        while (t > 0) {
            double up = Math.min(t + fwd, 1000);
            t = Math.max(up - back, 0);
            targets.add(t);
        }
        double[] out = new double[targets.size()];
        for (int i = 0; i < out.length; i++) out[i] = targets.get(i);
        return out;
    }

    @Override
    public SearchResult run(SearchProblem problem) {
        int n = config.positiveInt("n", 2), k = config.positiveInt("k", 5), sub = config.positiveInt("ode-steps", 4);
        double fwd = config.number("forward", 780, 1e-9, 1000);
        double seedT = config.number("seed-t", 120, 1e-3, 1000 - 1e-9);
        double[] targets = schedule();
        long plan = (long) n * sub + (long) targets.length * n * k * sub;
        SearchMethods.requireEvaluations(name(), problem, plan,
                n + "·" + sub + " + " + targets.length + " rounds · " + n + "·" + k + "·" + sub);
        SearchRun run = new SearchRun(name(), problem);
        run.parameter("n", n);
        run.parameter("k", k);
        run.parameter("odeSteps", sub);
        run.parameter("forward", fwd);
        run.parameter("backward", config.number("backward", 810, 1e-9, 1000));
        run.parameter("seedT", seedT);
        run.parameter("plannedNfe", plan * problem.model().nfePerLatent());
        Sampler sampler = run.sampler;
        int dim = run.dim, p = n * k;
        float[][] px = SearchRun.buffers(n, dim), px0 = SearchRun.buffers(n, dim);
        double[] pr = new double[n];
        Arrays.fill(pr, Double.NEGATIVE_INFINITY);
        float[][] x = SearchRun.buffers(p, dim), u = SearchRun.buffers(p, dim), x0 = SearchRun.buffers(p, dim);
        double[] s = new double[p], r = new double[p];
        float[] z = new float[dim];
        for (int a = 0; a < n; a++) run.noise.normal(NoiseStreams.Purpose.INITIAL, a, 0, 0, px[a]);
        float[][] pu = SearchRun.buffers(n, dim);
        solve(run, n, px, pu, px0, s, 1.0, seedT / 1000.0, sub);
        double t = seedT;
        for (int round = 0; round < targets.length; round++) {
            double up = Math.min(t + fwd, 1000);
            for (int a = 0; a < n; a++) {
                for (int c = 0; c < k; c++) {
                    run.noise.normal(NoiseStreams.Purpose.FORWARD, a, round, c, z);
                    sampler.forwardNoise(px[a], t / 1000.0, up / 1000.0, z, x[a * k + c]);
                }
            }
            double sLast = solve(run, p, x, u, x0, s, up / 1000.0, targets[round] / 1000.0, sub);
            run.rewards(p, x0, r);
            for (int a = 0; a < n; a++) {
                int best = SearchRun.argmax(r, a * k, a * k + k);
                int bad = 0;
                for (int c = 0; c < k; c++) if (r[a * k + c] == Double.NEGATIVE_INFINITY) bad++;
                int taken = best < 0 ? a * k : best;
                run.record(LevelRecord.choice(round, a, sLast, Arrays.copyOfRange(r, a * k, a * k + k), taken - a * k,
                        best < 0 ? LevelRecord.Reason.NONE_FINITE : LevelRecord.Reason.BEST_OF_BATCH,
                        run.nfe(), run.rewardCalls(), bad));
                System.arraycopy(x[taken], 0, px[a], 0, dim);
                System.arraycopy(x0[taken], 0, px0[a], 0, dim);
                pr[a] = r[taken];
            }
            run.report();
            t = targets[round];
        }
        int best = SearchRun.argmax(pr, 0, n);
        List<Candidate> finals = new ArrayList<>(n);
        for (int a = 0; a < n; a++) finals.add(new Candidate(px0[a], pr[a]));
        return run.finish(best < 0 ? null : px0[best], best < 0 ? Double.NEGATIVE_INFINITY : pr[best], finals);
    }

    /**
     * Euler PF-ODE on the sampler's path from {@code from} down to {@code to} in {@code sub} uniform sub-steps,
     * in place on {@code x}; {@code x0} gets the Tweedie estimate at the start of the last sub-step.
     *
     * @return the time of that estimate
     */
    private static double solve(SearchRun run, int n, float[][] x, float[][] u, float[][] x0, double[] s,
                                double from, double to, int sub) {
        double h = (from - to) / sub;
        double sNow = from;
        for (int i = 0; i < sub; i++) {
            double sNext = i == sub - 1 ? to : from - (i + 1) * h;
            Arrays.fill(s, 0, n, sNow);
            run.velocity(n, x, s, u);
            if (i == sub - 1) {
                for (int a = 0; a < n; a++) run.sampler.tweedie(x[a], u[a], sNow, x0[a]);
            }
            for (int a = 0; a < n; a++) {
                float[] xa = x[a], ua = u[a];
                double dt = sNow - sNext;
                for (int j = 0; j < xa.length; j++) xa[j] = (float) (xa[j] - dt * ua[j]);
            }
            run.report();
            sNow = sNext;
        }
        return from - (sub - 1) * h;
    }
}
