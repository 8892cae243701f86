package flowscale.runtime.search;

import flowscale.runtime.flow.Sampler;

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
        Sampler sampler = run.sampler;
        double[] grid = run.grid;
        int dim = run.dim;
        float[][] x = SearchRun.buffers(n, dim), next = SearchRun.buffers(n, dim);
        float[][] u = SearchRun.buffers(n, dim), x0 = SearchRun.buffers(n, dim);
        float[][] cx = SearchRun.buffers(n, dim), cu = SearchRun.buffers(n, dim), cx0 = SearchRun.buffers(n, dim);
        double[] r = new double[n], rNew = new double[n], uniforms = new double[n];
        double[] s = new double[n], sNext = new double[n];
        float[] z = new float[dim];
        SmcWeights weights = new SmcWeights(n, lambda);
        for (int i = 0; i < n; i++) {
            run.noise.normal(NoiseStreams.Purpose.INITIAL, i, 0, 0, x[i]);
        }
        for (int j = 0; j < m; j++) {
            if (j > 0) {
                for (int i = 0; i < n; i++) {
                    sampler.step(x[i], u[i], grid[j - 1], grid[j], run.stepNoise(i, j - 1, 0, z), next[i]);
                }
                float[][] t = x;
                x = next;
                next = t;
            }
            Arrays.fill(s, grid[j]);
            Arrays.fill(sNext, grid[j + 1]);
            run.estimate(n, x, s, sNext, u, x0);
            run.rewards(n, x0, rNew);
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
                for (int i = 0; i < n; i++) {
                    System.arraycopy(x[anc[i]], 0, cx[i], 0, dim);
                    System.arraycopy(u[anc[i]], 0, cu[i], 0, dim);
                    System.arraycopy(x0[anc[i]], 0, cx0[i], 0, dim);
                    rNew[i] = r[anc[i]];
                }
                float[][] t = x; x = cx; cx = t;
                t = u; u = cu; cu = t;
                t = x0; x0 = cx0; cx0 = t;
                System.arraycopy(rNew, 0, r, 0, n);
            } else {
                run.record(j, -1, grid[j], r, -1,
                        ess == 0 ? LevelRecord.Reason.NONE_FINITE : LevelRecord.Reason.KEPT, ess, null);
            }
            run.report();
        }
        return run.finishBest(x0, r, n);
    }
}
