package flowscale.runtime.search;

/** Told after every batched model call of a search (drives progress bars). */
@FunctionalInterface
public interface SearchListener {
    SearchListener NONE = (nfe, budget, best) -> {};

    /** @param bestReward best finite reward seen so far, or negative infinity */
    void progress(long nfe, long budget, double bestReward);
}
