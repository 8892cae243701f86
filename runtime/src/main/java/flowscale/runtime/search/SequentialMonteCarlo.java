package flowscale.runtime.search;


import java.util.Arrays;
import java.util.OptionalInt;

/**
 * SMC with the sampler's reverse kernel as proposal (method.md §5.3, code-faithful): N = budget / M
 * particles (or {@code n}); weights exp(r / λ) from the first evaluation at s_0, then exp((r − r_parent)/λ);
 * multinomial resampling whenever ESS &lt; threshold·N (threshold 1.0, i.e. whenever the weights are not all
 * equal), the first time before the first step. λ defaults to 1.0 (the code's default, see
 * {@link SequentialMonteCarloSettings}). The output is the argmax reward of the final Tweedie
 * estimates at s_{M-1} (method.md §5.3 reimplementation note); no resampling follows the last evaluation.
 *
 * <p>Noise: particle slot i draws (INITIAL, i, 0, 0) and (STEP, i, j, 0) for the step leaving grid index
 * j; the resampling uniforms after the evaluation at grid index j are elements i of (RESAMPLE, 0, j, 0).
 */
public final class SequentialMonteCarlo extends MethodWithSettings<SequentialMonteCarloSettings> {
    public SequentialMonteCarlo(SequentialMonteCarloSettings settings) {
        super("smc", settings);
    }

    @Override
    public SearchResult run(SearchProblem problem) {
        int m = problem.sampler().steps();
        long perParticle = (long) m * SearchMethods.latentsPerEstimate(problem); // every step's estimate is rewarded
        int n = settings.n().orElse(SearchMethods.trajectoriesInBudget(problem, perParticle));
        SearchMethods.requireEvaluations(name(), problem, (long) Math.max(n, 1) * perParticle,
                Math.max(n, 1) + " particles x " + perParticle + " evaluations");
        double lambda = settings.lambda();
        double threshold = settings.essThreshold();
        SearchRun run = new SearchRun(name(), problem, new SequentialMonteCarloSettings(OptionalInt.of(n), lambda, threshold));
        run.parameter("n", n);
        run.parameter("lambda", lambda);
        run.parameter("essThreshold", threshold);
        double[] grid = run.grid;
        Particles x = run.particles("particles", n), next = run.particles("next", n), resampled = run.particles("resampled", n);
        double[] r = new double[n], rNew = new double[n], uniforms = new double[n];
        double[] s = new double[n], sNext = new double[n];
        SmcWeights weights = new SmcWeights(n, lambda);
        for (int i = 0; i < n; i++) {
            run.normal(NoiseStreams.Purpose.INITIAL, i, 0, 0, x, i);
        }
        for (int j = 0; j < m; j++) {
            if (j > 0) {
                for (int i = 0; i < n; i++) {
                    run.step(x, i, grid[j - 1], grid[j], i, j - 1, 0, next, i);
                }
                Particles t = x;
                x = next;
                next = t;
            }
            Arrays.fill(s, grid[j]);
            Arrays.fill(sNext, grid[j + 1]);
            run.estimate(n, x, s, sNext);
            run.rewards(n, x.x0, rNew);
            if (j == 0) weights.start(rNew);
            else weights.update(r, rNew);
            System.arraycopy(rNew, 0, r, 0, n);
            double ess = weights.ess();
            if (j == m - 1) {
                int best = SearchRun.argmax(r, 0, n);
                run.record(j, -1, grid[j], r, best,
                        best < 0 ? LevelRecord.Reason.NONE_FINITE : LevelRecord.Reason.BEST_OF_BATCH, ess, null);
            } else if (ess > 0 && ess < threshold * n) {
                for (int i = 0; i < n; i++) uniforms[i] = run.noise.uniform(NoiseStreams.Purpose.RESAMPLE, 0, j, 0, i);
                int[] anc = weights.resample(uniforms);
                run.record(j, -1, grid[j], r, -1, LevelRecord.Reason.RESAMPLED, ess, anc);
                x.gather(anc, n, resampled);
                for (int i = 0; i < n; i++) rNew[i] = r[anc[i]];
                Particles t = x;
                x = resampled;
                resampled = t;
                System.arraycopy(rNew, 0, r, 0, n);
            } else {
                run.record(j, -1, grid[j], r, -1,
                        ess == 0 ? LevelRecord.Reason.NONE_FINITE : LevelRecord.Reason.KEPT, ess, null);
            }
            run.report();
        }
        return run.finishBest(x.x0, r, n);
    }
}
