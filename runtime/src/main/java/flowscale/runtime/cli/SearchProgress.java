package flowscale.runtime.cli;

import flowscale.runtime.search.SearchListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

import java.io.PrintWriter;

/**
 * Progress of a search on stderr: NFE spent of the budget and the best reward so far. With the environment
 * variable {@code FLOWSCALE_TTY} set, an animated progress bar; otherwise a few plain lines (at 25, 50, 75
 * and 100 % of the budget), which stay readable in logs and CI.
 */
final class SearchProgress implements SearchListener, AutoCloseable {
    private final ProgressBar bar;
    private final PrintWriter err;
    private final String task;
    private int quarterShown;
    private long lastNfe = -1;
    private long lastBudget;
    private String lastBest = "best -";

    SearchProgress(String task, long budget, PrintWriter err, boolean animated) {
        this.err = err;
        this.task = task;
        this.bar = animated
                ? new ProgressBarBuilder().setTaskName(task).setInitialMax(budget).setUnit(" NFE", 1)
                        .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(200).build()
                : null;
    }

    static boolean animatedByEnvironment() {
        String v = System.getenv("FLOWSCALE_TTY");
        return v != null && !v.isEmpty();
    }

    @Override
    public void progress(long nfe, long budget, double bestReward) {
        String best = Double.isFinite(bestReward) ? String.format("best %.4f", bestReward) : "best -";
        lastNfe = nfe;
        lastBudget = budget;
        lastBest = best;
        if (bar != null) {
            bar.stepTo(nfe);
            bar.setExtraMessage(best);
            return;
        }
        int quarter = (int) Math.min(4, nfe * 4 / Math.max(1, budget));
        if (quarter > quarterShown) {
            quarterShown = quarter;
            err.printf("%s: %d / %d NFE, %s%n", task, nfe, budget, best);
            err.flush();
        }
    }

    /** Closes the bar; in plain mode prints the final state unless the last quarter line already did. */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        } else if (lastNfe >= 0 && quarterShown < 4) {
            err.printf("%s: done, %d / %d NFE, %s%n", task, lastNfe, lastBudget, lastBest);
            err.flush();
        }
    }
}
