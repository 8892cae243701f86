package flowscale.runtime.search;


import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rollover Budget Forcing (method.md §5.6). Two control flows:
 *
 * <p><b>{@code variant=code}</b> (default, the reference code's {@code rbf.py}): B chains (default 2) each keep
 * the best of {@code init} (25) initial noises judged at s_0; quota q = floor((E − init·B)/(M·B)) per chain
 * and level (E = evaluations the budget pays for; 22 with the defaults). All chains advance in lock-step, one
 * candidate per chain per iteration, in one batched model call, until {@code nfe + B >= E} (498 of 500). A
 * candidate strictly better than the chain's r* is accepted (the chain moves to the next level and the unused
 * quota rolls over: q_next = q − j + default); when a level's quota runs out the chain takes the level's best
 * candidate (r* unchanged, q_next = default). Levels 0..M−3 can advance; level M−2 (the transition to the last
 * non-zero time s_{M−1}) cannot and absorbs all that is left. Output: the best last-level candidate over the
 * chains.
 *
 * <p>Guards the code lacks: a chain whose current level has no finite candidate competes at the end with the
 * particle it holds (its own Tweedie estimate and reward) instead of an empty buffer, but only when no chain has
 * a finite level best, so the code's selection is unchanged whenever it is defined; a quota that runs out on a
 * level without any finite candidate repeats the level (fresh noise) instead of taking a non-finite sample.
 *
 * <p><b>{@code variant=paper}</b> (Alg. 2): one initial noise per chain; uniform quota
 * floor((E − B)/((M − 1)·B)); levels 0..M−2 all advance, by strict improvement (with rollover) or by the
 * quota-exhausted fallback; a chain stops when it reaches s_{M−1}, and the output is the best chain's Tweedie
 * estimate there. Unused rollover left at the last level is not spent.
 *
 * <p>Budget unit: E is the number of candidate evaluations the budget pays for, i.e. the latent evaluations divided
 * by what one estimate costs (1; 2 under a faithful one-step estimate, where E = 250 of 500 NFE gives a quota of 10
 * and a stop at 496 NFE). Every candidate is evaluated at the grid time it lands on, for the step that leaves it
 * (so a few-step model's output at d = the next step; the last level's step goes to 0, the one-step jump).
 *
 * <p>Noise: initial candidate c of chain b from (INITIAL, b, 0, c); the j-th candidate (0-based) drawn by chain b
 * at level ℓ (the step leaving grid index ℓ) from (STEP, b, ℓ, j).
 *
 * <p><b>Speculation</b> ({@code speculate=K}, variant code; for wide devices, where K·B latents cost about what B do):
 * each chain's next K candidates are drawn from the particle it holds (noise indices j .. j+K−1 at its level) and
 * evaluated in one call, then the lock-step iterations are replayed over them in order. A candidate is what the
 * sequential algorithm would have drawn as long as its chain has not moved (taken a candidate, by improvement or
 * by quota exhaustion) in an earlier replayed iteration, so the replay stops after the first iteration in which a
 * chain moved, and the candidates left over are discarded. Only the replayed candidates count as NFE and reward
 * calls, in the sequential order, so the result, the trace's levels and its NFE equal those of {@code speculate=1};
 * the discarded ones are recorded as {@code speculativeNfe} and {@code speculativeRewardCalls}: compute spent beyond
 * the budget to save wall-clock time. K shrinks near the end to the iterations the budget still allows, so nothing is
 * drawn that the sequential algorithm could not reach.
 */
public final class RolloverBudgetForcing extends MethodWithSettings<RolloverBudgetForcingSettings> {
    public RolloverBudgetForcing(RolloverBudgetForcingSettings settings) {
        super("rbf", settings);
    }

    @Override
    public SearchResult run(SearchProblem problem) {
        int b = settings.n();
        int m = problem.sampler().steps();
        if (m < 2) throw new IllegalArgumentException("rbf needs at least 2 steps (one searched transition), got " + m);
        if (settings.speculate() > 1 && settings.variant() == RolloverBudgetForcingSettings.Variant.PAPER) {
            throw new IllegalArgumentException("rbf: speculate=" + settings.speculate() + " needs variant=code");
        }
        return settings.variant() == RolloverBudgetForcingSettings.Variant.PAPER ? runPaper(problem, b, m) : runCode(problem, b, m);
    }

    private SearchResult runCode(SearchProblem problem, int b, int m) {
        int init = settings.init();
        int per = SearchMethods.latentsPerEstimate(problem);
        long e = problem.evaluationBudget() / per;
        SearchMethods.requireEvaluations(name(), problem, (long) b * (init + m) * per, "B·(init + M) for a quota of at least 1");
        int quota = (int) Math.min(Integer.MAX_VALUE, (e - (long) init * b) / ((long) m * b));
        SearchRun run = new SearchRun(name(), problem, settings);
        run.parameter("variant", "code");
        run.parameter("chains", b);
        run.parameter("init", init);
        run.parameter("quota", quota);
        RbfChain[] chains = initialise(run, b, init);
        for (RbfChain c : chains) c.quota = quota;
        int speculate = settings.speculate();
        Candidates cand = new Candidates(run, b * speculate);
        long done;
        while ((done = candidates(run, problem, per)) + b < e) {
            // the iterations the loop can still run (done + t b + b < e), at most `speculate` of them
            int k = (int) Math.min(speculate, (e - b - done + b - 1) / b);
            drawAhead(run, chains, b, k, cand);
            for (int t = 0; t < k; t++) {
                run.consume(t * b, b, cand.p.x0, cand.r);
                boolean moved = false;
                for (int i = 0; i < b; i++) moved |= iterate(run, chains[i], cand, t * b + i, quota, m);
                run.report();
                if (moved) break; // the moved chain's later candidates were drawn from the particle it no longer holds
            }
            run.discardAhead();
        }
        return finish(run, chains, true);
    }

    /**
     * One candidate of the code variant's lock-step loop for chain {@code c}: row {@code row} of {@code cand}.
     * Returns whether the chain moved (took a candidate and went on), which ends what was drawn ahead for it.
     */
    private static boolean iterate(SearchRun run, RbfChain c, Candidates cand, int row, int quota, int m) {
        double r = cand.r[row];
        c.offer(cand.p, row, r);
        boolean improved = c.bestReward < r;
        boolean canAdvance = c.level < m - 2;
        boolean exhausted = c.counter % c.quota == 0 && !improved && canAdvance;
        boolean moved = false;
        if (improved) {
            c.bestReward = r;
            if (canAdvance) {
                accept(run, c, cand, row, quota);
                moved = true;
            }
        }
        if (exhausted) moved |= exhaust(run, c, quota);
        c.counter++;
        return moved;
    }

    private SearchResult runPaper(SearchProblem problem, int b, int m) {
        int per = SearchMethods.latentsPerEstimate(problem);
        long e = problem.evaluationBudget() / per;
        SearchMethods.requireEvaluations(name(), problem, (long) b * m * per, "B·M for a quota of at least 1");
        int quota = (int) Math.min(Integer.MAX_VALUE, (e - b) / ((long) (m - 1) * b));
        SearchRun run = new SearchRun(name(), problem, settings);
        run.parameter("variant", "paper");
        run.parameter("chains", b);
        run.parameter("quota", quota);
        RbfChain[] chains = initialise(run, b, 1);
        for (RbfChain c : chains) c.quota = quota;
        Candidates cand = new Candidates(run, b);
        RbfChain[] active = new RbfChain[b];
        while (true) {
            int na = 0;
            for (RbfChain c : chains) if (!c.done) active[na++] = c;
            if (na == 0 || candidates(run, problem, per) + na > e) break;
            draw(run, active, na, cand);
            for (int i = 0; i < na; i++) {
                RbfChain c = active[i];
                double r = cand.r[i];
                c.offer(cand.p, i, r);
                if (c.bestReward < r) {
                    c.bestReward = r;
                    accept(run, c, cand, i, quota);
                } else if (c.counter == c.quota) {
                    exhaust(run, c, quota);
                }
                c.counter++;
                if (c.level == m - 1) c.done = true;
            }
            run.report();
        }
        return finish(run, chains, false);
    }

    /** Candidates evaluated so far (initial ones included). */
    private static long candidates(SearchRun run, SearchProblem problem, int per) {
        return run.nfe() / ((long) problem.model().nfePerLatent() * per);
    }

    /** Candidate {@code i} is strictly better than r*: the chain takes it and moves on, its unused quota rolling over. */
    private static void accept(SearchRun run, RbfChain c, Candidates cand, int i, int quota) {
        double[] rs = c.levelRewards();
        run.record(c.level, c.index, run.grid[c.level + 1], rs, rs.length - 1, LevelRecord.Reason.IMPROVED);
        c.take(cand.p, i, cand.r[i]);
        c.quota = c.quota - c.counter + quota;
        c.counter = 0;
        c.resetLevel(true);
    }

    /**
     * The quota of a level ran out: take the level's best (r* unchanged), or repeat the level if none is finite (the
     * particle and the noise index stay). Returns whether the chain took the level's best.
     */
    private static boolean exhaust(SearchRun run, RbfChain c, int quota) {
        double[] rs = c.levelRewards();
        boolean any = c.hasLevelBest();
        run.record(c.level, c.index, run.grid[c.level + 1], rs, c.levelBestIndex,
                any ? LevelRecord.Reason.QUOTA_EXHAUSTED : LevelRecord.Reason.LEVEL_REPEATED);
        if (any) c.takeLevelBest();
        c.quota = quota;
        c.counter = 0;
        c.resetLevel(any);
        return any;
    }

    /** B·init initial noises at s_0 in one batch; each chain keeps its best (first maximum). */
    private static RbfChain[] initialise(SearchRun run, int b, int init) {
        int n = b * init;
        Particles p = run.particles("initial", n);
        double[] s = new double[n], sNext = new double[n], r = new double[n];
        Arrays.fill(s, run.grid[0]);
        Arrays.fill(sNext, run.grid[1]);
        for (int c = 0; c < b; c++) {
            for (int j = 0; j < init; j++) run.normal(NoiseStreams.Purpose.INITIAL, c, 0, j, p, c * init + j);
        }
        run.estimate(n, p, s, sNext);
        run.rewards(n, p.x0, r);
        Particles held = run.particles("held", b), levelBest = run.particles("levelBest", b);
        RbfChain[] chains = new RbfChain[b];
        for (int c = 0; c < b; c++) {
            int taken = run.takeBest(0, c, run.grid[0], r, c * init, c * init + init, LevelRecord.Reason.INITIAL_BEST);
            chains[c] = new RbfChain(c, held, levelBest);
            chains[c].take(p, taken, r[taken]);
            chains[c].bestReward = r[taken];
        }
        run.report();
        return chains;
    }

    /**
     * The next {@code k} candidates of each of the {@code b} chains (candidate t of chain i in row {@code t b + i}), from
     * the particle it holds, evaluated and rewarded in ONE batched call ahead of their use ({@link SearchRun#consume}).
     */
    private static void drawAhead(SearchRun run, RbfChain[] chains, int b, int k, Candidates cand) {
        double[] grid = run.grid;
        for (int t = 0; t < k; t++) {
            for (int i = 0; i < b; i++) {
                RbfChain c = chains[i];
                int row = t * b + i;
                run.step(c.held(), c.index, grid[c.level], grid[c.level + 1], c.index, c.level, c.drawn + t, cand.p, row);
                cand.s[row] = grid[c.level + 1];
                cand.sNext[row] = grid[c.level + 2];
            }
        }
        run.estimateAhead(b * k, cand.p, cand.s, cand.sNext, cand.r);
    }

    /** One candidate per given chain from its particle and cached velocity, evaluated in ONE batched call. */
    private static void draw(SearchRun run, RbfChain[] chains, int n, Candidates cand) {
        double[] grid = run.grid;
        for (int i = 0; i < n; i++) {
            RbfChain c = chains[i];
            run.step(c.held(), c.index, grid[c.level], grid[c.level + 1], c.index, c.level, c.drawn, cand.p, i);
            cand.s[i] = grid[c.level + 1];
            cand.sNext[i] = grid[c.level + 2];
        }
        run.estimate(n, cand.p, cand.s, cand.sNext);
        run.rewards(n, cand.p.x0, cand.r);
    }

    private SearchResult finish(SearchRun run, RbfChain[] chains, boolean codeVariant) {
        int b = chains.length;
        List<Candidate> finals = new ArrayList<>(b);
        double[] levelBest = new double[b], held = new double[b];
        for (RbfChain c : chains) {
            levelBest[c.index] = c.hasLevelBest() ? c.levelBestReward : Double.NEGATIVE_INFINITY;
            held[c.index] = c.reward;
            double[] rs = c.levelRewards();
            if (codeVariant && rs.length > 0) {
                run.record(c.level, c.index, run.grid[c.level + 1], rs, c.levelBestIndex,
                        c.hasLevelBest() ? LevelRecord.Reason.FINAL : LevelRecord.Reason.NONE_FINITE);
            }
        }
        int best;
        float[] out;
        double reward;
        if (codeVariant && SearchRun.argmax(levelBest, 0, b) >= 0) {
            best = SearchRun.argmax(levelBest, 0, b);
            for (RbfChain c : chains) {
                finals.add(c.hasLevelBest() ? new Candidate(c.levelBestX0(), c.levelBestReward) : new Candidate(c.x0(), c.reward));
            }
            out = chains[best].levelBestX0();
            reward = chains[best].levelBestReward;
        } else {
            best = SearchRun.argmax(held, 0, b);
            for (RbfChain c : chains) finals.add(new Candidate(c.x0(), c.reward));
            out = best < 0 ? null : chains[best].x0();
            reward = best < 0 ? Double.NEGATIVE_INFINITY : chains[best].reward;
        }
        run.parameter("finalChain", best);
        return run.finish(out, reward, finals);
    }

    /** Per-iteration candidates, one per chain, reused across iterations. */
    private static final class Candidates {
        final Particles p;
        final double[] s, sNext, r;

        Candidates(SearchRun run, int b) {
            p = run.particles("candidates", b);
            s = new double[b];
            sNext = new double[b];
            r = new double[b];
        }
    }
}
