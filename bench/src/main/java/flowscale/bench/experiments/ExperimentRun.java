package flowscale.bench.experiments;

import flowscale.runtime.application.SearchBatch;
import flowscale.runtime.data.Prompt;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The loop over prompts (outer) and cells (inner), so an interrupted run leaves whole prompts done and the
 * tables compare the same prompts in every cell. Skips rows already in the results file, appends each new row
 * as soon as its search ends, prints one progress line per search with an ETA, and refreshes the tables after
 * every prompt. With {@code concurrent > 1} that many searches advance together with shared model calls
 * ({@link SearchBatch}): the rows are the same (their timing columns then include the wait for the shared calls),
 * and they are appended and printed in the same order.
 */
final class ExperimentRun {
    private final ExperimentPlan plan;
    private final List<Prompt> prompts;
    private final CellRunner runner;
    private final ResultsLog log;
    private final PrintWriter out;
    private final List<Cell> cells;
    private final int concurrent;
    private final int shard;
    private final int shards;

    ExperimentRun(ExperimentPlan plan, List<Prompt> prompts, CellRunner runner, ResultsLog log, PrintWriter out, int concurrent) {
        this(plan, prompts, runner, log, out, concurrent, 0, 1);
    }

    /** Runs only the prompts {@code p} with {@code p % shards == shard} (a run split over processes). */
    ExperimentRun(ExperimentPlan plan, List<Prompt> prompts, CellRunner runner, ResultsLog log, PrintWriter out, int concurrent,
                  int shard, int shards) {
        this.plan = plan;
        this.prompts = List.copyOf(prompts);
        this.runner = runner;
        this.log = log;
        this.out = out;
        this.cells = plan.cells();
        if (concurrent < 1) throw new IllegalArgumentException("concurrent searches must be >= 1, got " + concurrent);
        this.concurrent = concurrent;
        if (shards < 1 || shard < 0 || shard >= shards) throw new IllegalArgumentException("shard " + shard + " of " + shards);
        this.shard = shard;
        this.shards = shards;
    }

    private boolean mine(int prompt) {
        return prompt % shards == shard;
    }

    /** Estimated seconds of the searches not yet in the results file. */
    double remainingSeconds(CostModel cost) {
        double s = 0;
        for (int p = 0; p < prompts.size(); p++) {
            if (!mine(p)) continue;
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

    /** One search still to run: its number in the plan (1-based), prompt and cell, and whether it ends its prompt's run. */
    private record Pending(int number, int prompt, Cell cell, boolean lastOfPrompt) {}

    void execute(CostModel cost, Runnable afterPrompt) {
        int total = prompts.size() * cells.size();
        List<Pending> pending = new ArrayList<>();
        int number = 0;
        for (int p = 0; p < prompts.size(); p++) {
            int first = pending.size();
            for (Cell c : cells) {
                number++;
                if (mine(p) && !log.has(runner.rowKey(c, p))) pending.add(new Pending(number, p, c, false));
            }
            if (pending.size() > first) {
                Pending last = pending.removeLast();
                pending.add(new Pending(last.number(), last.prompt(), last.cell(), true));
            }
        }
        double[] estimate = {remainingSeconds(cost), 0}; // left, done
        long start = System.nanoTime();
        AtomicBoolean failed = new AtomicBoolean();
        RuntimeException[] firstFailure = {null};
        List<SearchBatch.Job<ResultRow>> jobs = new ArrayList<>();
        for (Pending job : pending) {
            jobs.add(view -> {
                try {
                    return runner.run(view, job.cell(), job.prompt(), prompts.get(job.prompt()));
                } catch (RuntimeException | Error e) {
                    failed.set(true);
                    throw e;
                }
            });
        }
        SearchBatch.run(runner.model(), jobs, concurrent, failed::get, o -> {
            if (firstFailure[0] != null) return;
            if (!o.ok()) {
                firstFailure[0] = o.failure() instanceof RuntimeException re ? re : new IllegalStateException(o.failure());
                return;
            }
            Pending job = pending.get(o.index());
            ResultRow row = o.result();
            log.append(row);
            double est = cost.seconds(job.cell());
            estimate[1] += est;
            estimate[0] -= est;
            double elapsed = (System.nanoTime() - start) / 1e9;
            // scale the remaining estimate by how the run has compared with the estimate so far
            double eta = estimate[1] > 0 ? estimate[0] * elapsed / estimate[1] : estimate[0];
            out.printf(Locale.ROOT, "[%d/%d] prompt %d \"%s\" %s: %s | elapsed %s, ETA %s%n", job.number(), total, job.prompt(),
                    prompts.get(job.prompt()).canonical(), job.cell().label(), describe(row), clock(elapsed), clock(Math.max(0, eta)));
            out.flush();
            if (job.lastOfPrompt()) afterPrompt.run();
        });
        if (firstFailure[0] != null) throw firstFailure[0];
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
