package flowscale.runtime.search;


import java.util.Arrays;

/**
 * CoDe (blockwise Best-of-N, method.md §5.4) and SVDD with β = 0 (§5.5, the case L = 1).
 *
 * <p>N parents, K children each, block length L. Every grid time s_0 .. s_{M-1} evaluates all N·K children
 * in one batch, so the run costs exactly N·K·M evaluations (the paper's 500 for 2·25·10). At s_0 the K
 * children of parent p are K initial noises (stream INITIAL, p, 0, c); later, at the start of a block each
 * child c leaves its parent with the noise of stream (STEP, p, i, c) for the step leaving grid index i, and
 * inside a block it keeps stepping on its own with the same stream naming. A block ends after the evaluation
 * at grid index j when (j + 1) is a multiple of L or j = M - 1: the children are rewarded on their Tweedie
 * estimates and each parent is replaced by its best child (argmax, first maximum on ties; non-finite never
 * chosen). With K = 1 the run is plain sampling with N particles, the same noise included. The output is
 * the best parent's clean estimate at s_{M-1}. Only block ends read an estimate: under a faithful one-step estimate
 * (two latents per estimate) they cost N·K more each, so the run costs N·K·(M + blocks).
 *
 * <p>The variant {@link BlockwiseSelectionSettings.Variant#CODE} runs the search as the reference code's
 * {@code general_trainer.py} does: each parent draws one initial noise (stream INITIAL, p, 0, 0) and its K children
 * start from copies of it (the code repeats the latent K times and evaluates every copy, so the accounting stays
 * N·K per level); blocks end at the grid levels j > 0 with j a multiple of L, and at the last level (for CoDe with
 * L = 2: levels 2, 4, 6, 8 and 9 of ten; for SVDD every level after the first). Level 0 selects only when it is the
 * last (M = 1): its K children are identical. Everything else, including the step noise streams, is as in the default.
 */
public final class BlockwiseSelection extends MethodWithSettings<Record> {
    private final int n, k, l;
    private final BlockwiseSelectionSettings.Variant variant;

    /** CoDe: blocks of {@code l} steps. */
    public static BlockwiseSelection code(BlockwiseSelectionSettings settings) {
        return new BlockwiseSelection("code", settings, settings.n(), settings.k(), settings.l(), settings.variant());
    }

    /** SVDD: the same search with blocks of one step. */
    public static BlockwiseSelection svdd(SvddSettings settings) {
        return new BlockwiseSelection("svdd", settings, settings.n(), settings.k(), 1, settings.variant());
    }

    private BlockwiseSelection(String name, Record settings, int n, int k, int l, BlockwiseSelectionSettings.Variant variant) {
        super(name, settings);
        this.n = n;
        this.k = k;
        this.l = l;
        this.variant = variant;
    }

    @Override
    public SearchResult run(SearchProblem problem) {
        int m = problem.sampler().steps();
        long slots = (long) n * k;
        int blocks = 0;
        for (int j = 0; j < m; j++) if (blockEnd(j, m)) blocks++;
        long perSlot = m + (long) blocks * (SearchMethods.latentsPerEstimate(problem) - 1);
        SearchMethods.requireEvaluations(name(), problem, slots * perSlot,
                n + " parents x " + k + " children x " + perSlot + " evaluations");
        if (n - 1 > NoiseStreams.MAX_PARTICLE || k - 1 > NoiseStreams.MAX_CANDIDATE) {
            throw new IllegalArgumentException(name() + ": n or k too large for the noise stream layout");
        }
        SearchRun run = new SearchRun(name(), problem, settings);
        run.parameter("n", n);
        run.parameter("k", k);
        run.parameter("l", l);
        double[] grid = run.grid;
        int p = (int) slots;
        Particles x = run.particles("children", p), next = run.particles("next", p), parents = run.particles("parents", n);
        double[] pr = new double[n];
        double[] r = new double[p];
        double[] s = new double[p], sNext = new double[p];
        boolean shared = variant == BlockwiseSelectionSettings.Variant.CODE;
        for (int a = 0; a < n; a++) {
            for (int c = 0; c < k; c++) {
                if (shared && c > 0) {
                    x.copy(a * k, x, a * k + c);
                } else {
                    run.normal(NoiseStreams.Purpose.INITIAL, a, 0, c, x, a * k + c);
                }
            }
        }
        boolean blockStart = false;
        for (int j = 0; j < m; j++) {
            if (j > 0) {
                for (int a = 0; a < n; a++) {
                    for (int c = 0; c < k; c++) {
                        int slot = a * k + c;
                        run.step(blockStart ? parents : x, blockStart ? a : slot, grid[j - 1], grid[j], a, j - 1, c, next, slot);
                    }
                }
                Particles t = x;
                x = next;
                next = t;
            }
            Arrays.fill(s, grid[j]);
            Arrays.fill(sNext, grid[j + 1]);
            blockStart = blockEnd(j, m);
            if (blockStart) {
                run.estimate(p, x, s, sNext);
                run.rewards(p, x.x0, r);
                for (int a = 0; a < n; a++) {
                    int taken = run.takeBest(j, a, grid[j], r, a * k, a * k + k, LevelRecord.Reason.BEST_OF_BATCH);
                    x.copy(taken, parents, a);
                    pr[a] = r[taken];
                }
            } else {
                run.velocity(p, x, s, sNext);
            }
            run.report();
        }
        return run.finishBest(parents.x0, pr, n);
    }

    /** Whether the evaluation at grid index j ends a block (its children are rewarded and selected). */
    private boolean blockEnd(int j, int m) {
        if (variant == BlockwiseSelectionSettings.Variant.CODE) return j == m - 1 || (j > 0 && j % l == 0);
        return (j + 1) % l == 0 || j == m - 1;
    }
}
