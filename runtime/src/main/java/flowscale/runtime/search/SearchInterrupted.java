package flowscale.runtime.search;

/**
 * Thrown out of {@link SearchMethod#run} when the listener asked the search to stop. It carries the partial
 * result: the best candidate seen so far (over every batch the search rewarded, whatever its method would
 * have chosen at the end), the last rewarded batch as final candidates, and the trace so far marked
 * {@link Trace#interrupted() interrupted}. {@link SearchMethods#run} catches it and returns that result.
 */
public final class SearchInterrupted extends RuntimeException {
    private final transient SearchResult partial;

    SearchInterrupted(SearchResult partial) {
        super("search stopped on request after " + partial.trace().nfe() + " of " + partial.trace().budget() + " NFE",
                null, false, false);
        this.partial = partial;
    }

    public SearchResult partial() {
        return partial;
    }
}
