package flowscale.runtime.search;

/**
 * Told after every batched model call of a search (drives progress bars), and asked at the same points
 * whether the search should stop early (Ctrl-C).
 */
@FunctionalInterface
public interface SearchListener {
    SearchListener NONE = (nfe, budget, best) -> {};

    /** @param bestReward best finite reward seen so far, or negative infinity */
    void progress(long nfe, long budget, double bestReward);

    /**
     * Whether the search should stop now, after the batch it has just finished. When it returns true the
     * search ends with {@link SearchInterrupted}, which carries the best found so far;
     * {@link SearchMethods#run} turns that into an ordinary result whose trace is marked interrupted.
     */
    default boolean stopRequested() {
        return false;
    }

    /**
     * Called when a search starts, with a way to get the best found so far at any later point (null before
     * anything was rewarded); {@link SearchMethods#run} uses it to hand back that result when the search fails.
     */
    default void started(java.util.function.Supplier<SearchResult> bestSoFar) {}
}
