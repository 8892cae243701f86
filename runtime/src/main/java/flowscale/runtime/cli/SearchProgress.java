package flowscale.runtime.cli;

import flowscale.runtime.search.SearchListener;
import flowscale.runtime.search.StopFlag;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of a search on stderr: NFE spent of the budget, the best reward so far and the time left (from
 * the rate of NFE so far). With the environment variable {@code FLOWSCALE_TTY} set (the launcher sets it when
 * stderr is a terminal) an animated bar; otherwise nothing until the end, then one summary line, so logs and
 * CI stay short. It also passes a {@link StopFlag} (Ctrl-C) on to the search.
 */
final class SearchProgress implements SearchListener, AutoCloseable {
    private final ProgressBar bar;
    private final PrintWriter err;
    private final String task;
    private final StopFlag stop;
    private final LongSupplier clock;
    private final long startNanos;
    private long lastNfe = -1;
    private long lastBudget;
    private double lastBest = Double.NEGATIVE_INFINITY;
    private long firstNfe = -1;
    private long firstNanos;

    SearchProgress(String task, long budget, PrintWriter err, boolean animated, StopFlag stop) {
        this(task, budget, err, animated, stop, System::nanoTime);
    }

    SearchProgress(String task, long budget, PrintWriter err, boolean animated, StopFlag stop, LongSupplier clock) {
        this.err = err;
        this.task = task;
        this.stop = stop;
        this.clock = clock;
        this.startNanos = clock.getAsLong();
        this.bar = animated
                ? new ProgressBarBuilder().setTaskName(task).setInitialMax(budget).setUnit(" NFE", 1).hideEta()
                        .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(200).build()
                : null;
    }

    static boolean animatedByEnvironment() {
        String v = System.getenv("FLOWSCALE_TTY");
        return v != null && !v.isEmpty();
    }

    @Override
    public void progress(long nfe, long budget, double bestReward) {
        lastNfe = nfe;
        lastBudget = budget;
        lastBest = bestReward;
        long now = clock.getAsLong();
        if (firstNfe < 0) {
            firstNfe = nfe;
            firstNanos = now;
        }
        if (bar != null) {
            // The rate after the first batch: the first one also pays for loading and JIT warm-up.
            long eta = nfe > firstNfe ? etaNanos(nfe - firstNfe, budget - firstNfe, now - firstNanos)
                    : etaNanos(nfe, budget, now - startNanos);
            bar.stepTo(nfe);
            bar.setExtraMessage(best(bestReward) + ", ETA " + clockTime(eta));
        }
    }

    @Override
    public boolean stopRequested() {
        return stop.requested();
    }

    /** Time left if the rest of the budget goes at the rate so far; negative when unknown (nothing spent yet). */
    static long etaNanos(long nfe, long budget, long elapsedNanos) {
        if (nfe <= 0) return -1;
        return (long) ((double) elapsedNanos / nfe * Math.max(0, budget - nfe));
    }

    /** {@code m:ss}, or {@code h:mm:ss} from an hour; {@code ?} when unknown. */
    static String clockTime(long nanos) {
        if (nanos < 0) return "?";
        long s = Math.round(nanos / 1e9);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    private static String best(double r) {
        return Double.isFinite(r) ? String.format(Locale.ROOT, "best %.4f", r) : "best -";
    }

    /**
     * The one summary line: what was spent, the best reward of any estimate seen during the search (the returned
     * sample's reward, which may differ, is in the summary on stdout and in trace.json), the wall time, and
     * whether the search was stopped.
     */
    String summaryLine() {
        double seconds = (clock.getAsLong() - startNanos) / 1e9;
        return String.format(Locale.ROOT, "%s: %s %d / %d NFE, %s among the estimates seen, %.1f s", task,
                stop.requested() ? "stopped at" : "done,", Math.max(0, lastNfe), lastBudget, best(lastBest), seconds);
    }

    /** Closes the bar, then prints the summary line (also in terminal mode, where the bar may be cut short). */
    @Override
    public void close() {
        if (bar != null) bar.close();
        if (lastNfe >= 0) {
            err.println(summaryLine());
            err.flush();
        }
    }
}
