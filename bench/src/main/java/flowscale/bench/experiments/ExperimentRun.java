package flowscale.bench.experiments;

import flowscale.runtime.data.Prompt;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * The loop over prompts (outer) and cells (inner), so an interrupted run leaves whole prompts done and the
 * tables compare the same prompts in every cell. Skips rows already in the results file, appends each new row
 * as soon as its search ends, prints one progress line per search with an ETA, and refreshes the tables after
 * every prompt.
 */
final class ExperimentRun {
    private final ExperimentPlan plan;
    private final List<Prompt> prompts;
    private final CellRunner runner;
    private final ResultsLog log;
    private final PrintWriter out;
    private final List<Cell> cells;

    ExperimentRun(ExperimentPlan plan, List<Prompt> prompts, CellRunner runner, ResultsLog log, PrintWriter out) {
        this.plan = plan;
        this.prompts = List.copyOf(prompts);
        this.runner = runner;
        this.log = log;
        this.out = out;
        this.cells = plan.cells();
    }

    /** Estimated seconds of the searches not yet in the results file. */
    double remainingSeconds(CostModel cost) {
        double s = 0;
        for (int p = 0; p < prompts.size(); p++) {
            for (Cell c : cells) if (!log.has(runner.rowKey(c, p))) s += cost.seconds(c);
        }
        return s;
    }

    void printEstimate(CostModel cost) {
        double perPrompt = 0;
        for (Cell c : cells) perPrompt += cost.seconds(c);
        int done = 0;
        for (int p = 0; p < prompts.size(); p++) for (Cell c : cells) if (log.has(runner.rowKey(c, p))) done++;
        int total = prompts.size() * cells.size();
        out.printf(Locale.ROOT, "plan: %d configurations x %d prompts = %d searches (%d already in %s)%n",
                cells.size(), prompts.size(), total, done, log.file());
        out.printf(Locale.ROOT, "estimate: %.0f s per prompt (%.1f min per 10 prompts); this run about %s%n",
                perPrompt, perPrompt * 10 / 60, clock(remainingSeconds(cost)));
    }

    void execute(CostModel cost, Runnable afterPrompt) {
        int total = prompts.size() * cells.size();
        double estimatedLeft = remainingSeconds(cost);
        double estimatedDone = 0;
        long start = System.nanoTime();
        int index = 0;
        for (int p = 0; p < prompts.size(); p++) {
            Prompt prompt = prompts.get(p);
            boolean ranAny = false;
            for (Cell c : cells) {
                index++;
                if (log.has(runner.rowKey(c, p))) continue;
                ResultRow row = runner.run(c, p, prompt);
                log.append(row);
                ranAny = true;
                double est = cost.seconds(c);
                estimatedDone += est;
                estimatedLeft -= est;
                double elapsed = (System.nanoTime() - start) / 1e9;
                // scale the remaining estimate by how the run has compared with the estimate so far
                double eta = estimatedDone > 0 ? estimatedLeft * elapsed / estimatedDone : estimatedLeft;
                out.printf(Locale.ROOT, "[%d/%d] prompt %d \"%s\" %s: %s | elapsed %s, ETA %s%n", index, total, p,
                        prompt.canonical(), c.label(), describe(row), clock(elapsed), clock(Math.max(0, eta)));
                out.flush();
            }
            if (ranAny) afterPrompt.run();
        }
    }

    private static String describe(ResultRow r) {
        if (!r.ok()) return r.status() + (r.note().isEmpty() ? "" : " (" + r.note() + ")");
        return String.format(Locale.ROOT, "reward %.0f, held-out %.2f, %d NFE, %.1f s (search %.1f %%)", r.reward(),
                r.heldOut(), r.nfe(), r.totalMs() / 1e3, r.totalMs() > 0 ? 100 * r.searchMs() / r.totalMs() : 0);
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
