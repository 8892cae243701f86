package flowscale.runtime.search;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request, from any thread, that a running search stop at its next batch boundary and hand back the best
 * it has found so far (see {@link SearchListener#stopRequested()} and {@link SearchMethods#run}). Set once,
 * never cleared: a Ctrl-C ends the whole job, not only the search that was running.
 */
public final class StopFlag {
    private final AtomicBoolean requested = new AtomicBoolean();

    /** Asks every search checking this flag to stop; returns whether this call was the first request. */
    public boolean request() {
        return requested.compareAndSet(false, true);
    }

    public boolean requested() {
        return requested.get();
    }
}
