package flowscale.runtime.search;

import java.util.ArrayList;
import java.util.List;

/** Shared end of plain sampling and Best-of-N: reward every trajectory's output once, keep the best. */
final class BatchOfTrajectories {
    private BatchOfTrajectories() {}

    static SearchResult run(SearchRun run, int n) {
        float[][] x0 = Trajectories.run(run, n);
        double[] r = new double[n];
        int bad = run.rewards(n, x0, r);
        int best = SearchRun.argmax(r, 0, n);
        run.record(LevelRecord.choice(run.steps - 1, -1, run.grid[run.steps - 1], r, best,
                best < 0 ? LevelRecord.Reason.NONE_FINITE : LevelRecord.Reason.BEST_OF_BATCH,
                run.nfe(), run.rewardCalls(), bad));
        run.report();
        List<Candidate> finals = new ArrayList<>(n);
        for (int p = 0; p < n; p++) finals.add(new Candidate(x0[p], r[p]));
        return run.finish(best < 0 ? null : x0[best], best < 0 ? Double.NEGATIVE_INFINITY : r[best], finals);
    }
}
