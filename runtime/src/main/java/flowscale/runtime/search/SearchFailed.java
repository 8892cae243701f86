package flowscale.runtime.search;

/**
 * Thrown out of {@link SearchMethods#run} when a search failed after it had rewarded something (a limit
 * reached late, memory running out): the cause says why, {@link #partial()} is the best found before the
 * failure (its trace marked interrupted), so the caller can still write it.
 */
public final class SearchFailed extends RuntimeException {
    private final transient SearchResult partial;

    SearchFailed(Throwable cause, SearchResult partial) {
        super(cause.getMessage(), cause, false, false);
        this.partial = partial;
    }

    public SearchResult partial() {
        return partial;
    }
}
