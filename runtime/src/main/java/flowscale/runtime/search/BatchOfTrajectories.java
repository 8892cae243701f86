package flowscale.runtime.search;

/** Shared run of plain sampling and Best-of-N: n trajectories, every output rewarded once, the best kept. */
final class BatchOfTrajectories {
    private BatchOfTrajectories() {}

    /** Latent evaluations of one trajectory: M, plus one when the final estimate is a faithful one-step jump. */
    static long perTrajectory(SearchProblem problem) {
        return problem.sampler().steps() + SearchMethods.latentsPerEstimate(problem) - 1;
    }

    /** @param settings the method's effective settings, for the trace */
    static SearchResult run(String method, SearchProblem problem, Record settings, int n) {
        long perTrajectory = perTrajectory(problem);
        SearchMethods.requireEvaluations(method, problem, (long) Math.max(n, 1) * perTrajectory,
                Math.max(n, 1) + " trajectories x " + perTrajectory + " evaluations");
        SearchRun run = new SearchRun(method, problem, settings);
        run.parameter("n", n);
        float[][] x0 = Trajectories.run(run, n);
        double[] r = new double[n];
        run.rewards(n, x0, r);
        int best = SearchRun.argmax(r, 0, n);
        run.record(run.steps - 1, -1, run.grid[run.steps - 1], r, best,
                best < 0 ? LevelRecord.Reason.NONE_FINITE : LevelRecord.Reason.BEST_OF_BATCH);
        run.report();
        return run.finishBest(x0, r, n);
    }
}
